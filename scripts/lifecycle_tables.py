#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Turn a Ragel lifecycle machine (ragel -x XML) into dense C tables.

    lifecycle_tables.py SPEC.rl MACHINE.xml PREFIX OUT_DIR

The tables are what runtime/va_manager.c interprets and what Frama-C WP can
read (it cannot read Ragel's own output, see docs/lifecycles.md):

    PREFIX_next[state][event]     next named state, or PREFIX_REJECT
    PREFIX_actions[state][event]  bitmask of actions, bit i = action i

State names come from the `# @state NAME: EVENT EVENT ...` lines of the spec
(the path from the start state).  This script refuses, with an error:
  * a name whose path is not accepted, or two names for one state, or a
    state of the machine without a name;
  * a transition that lists actions in another order than their definition
    order (the runtime runs a bitmask in definition order);
  * an event value outside 0..NEVENTS-1.
"""
import re
import sys
import xml.etree.ElementTree as ET


def die(msg):
    sys.stderr.write("lifecycle_tables: %s\n" % msg)
    sys.exit(1)


def parse_spec_states(rl_path):
    states = []
    with open(rl_path, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^#\s*@state\s+([A-Z_][A-Z0-9_]*)\s*:(.*)$", line)
            if m:
                states.append((m.group(1), m.group(2).split()))
    if not states:
        die("%s: no '# @state NAME: PATH' lines" % rl_path)
    return states


def parse_xml(xml_path):
    root = ET.parse(xml_path).getroot()
    mach = root.find("ragel_def/machine")
    exports = [(ex.get("name"), int(ex.text))
               for ex in root.findall("ragel_def/exports/ex")]
    actions = {}
    for a in mach.findall("action_list/action"):
        actions[int(a.get("id"))] = a.get("name")
    tables = {}
    for t in mach.findall("action_table_list/action_table"):
        tables[int(t.get("id"))] = [int(x) for x in t.text.split()]
    start = int(mach.find("start_state").text)
    error = int(mach.find("error_state").text)
    trans = {}
    finals = set()
    for s in mach.findall("state_list/state"):
        sid = int(s.get("id"))
        if s.get("final") == "t":
            finals.add(sid)
        for t in s.findall("trans_list/t"):
            lo, hi, target, act = t.text.split()
            for ev in range(int(lo), int(hi) + 1):
                trans[(sid, ev)] = (int(target),
                                    [] if act == "x" else tables[int(act)])
        trans.setdefault((sid, None), None)
    sids = sorted({k[0] for k in trans})
    return exports, actions, start, error, finals, sids, trans


def main():
    if len(sys.argv) != 5:
        die("usage: lifecycle_tables.py SPEC.rl MACHINE.xml PREFIX OUT_DIR")
    rl_path, xml_path, prefix, out_dir = sys.argv[1:]
    up = prefix.upper()
    named = parse_spec_states(rl_path)
    exports, actions, start, error, finals, sids, trans = parse_xml(xml_path)

    nev = len(exports)
    evnames = [None] * nev
    for name, val in exports:
        if not 0 <= val < nev or evnames[val] is not None:
            die("event %s = %d: values must be 0..%d, each once" % (name, val, nev - 1))
        evnames[val] = name
    evindex = {n: i for i, n in enumerate(evnames)}
    nact = len(actions)
    if nact > 16:
        die("more than 16 actions do not fit the uint16_t bitmask")
    actnames = [actions[i] for i in range(nact)]

    # Resolve every named state by walking its path from the start state.
    ragel_of = {}
    name_of = {}
    for name, path in named:
        cur = start
        for evn in path:
            if evn not in evindex:
                die("@state %s: unknown event %s" % (name, evn))
            nxt = trans.get((cur, evindex[evn]))
            if nxt is None:
                die("@state %s: path %s is rejected by the machine" % (name, " ".join(path)))
            cur = nxt[0]
        if cur in name_of:
            die("@state %s and %s name the same state" % (name, name_of[cur]))
        ragel_of[name] = cur
        name_of[cur] = name
    unnamed = [s for s in sids if s != error and s not in name_of]
    if unnamed:
        die("states %s have no @state name" % unnamed)

    names = [n for n, _ in named]
    idx = {n: i for i, n in enumerate(names)}
    ns = len(names)
    reject = 0xFF
    nxt_tab = [[reject] * nev for _ in range(ns)]
    act_tab = [[0] * nev for _ in range(ns)]
    for n in names:
        rs = ragel_of[n]
        for ev in range(nev):
            t = trans.get((rs, ev))
            if t is None or t[0] == error:
                continue
            target, acts = t
            if acts != sorted(acts):
                die("%s --%s--> %s: actions %s are not in definition order"
                    % (n, evnames[ev], name_of[target], [actions[a] for a in acts]))
            nxt_tab[idx[n]][ev] = idx[name_of[target]]
            mask = 0
            for a in acts:
                mask |= 1 << a
            act_tab[idx[n]][ev] = mask

    final_names = [name_of[s] for s in sorted(finals)]
    spec = rl_path.split("/")[-2] + "/" + rl_path.split("/")[-1]
    banner = ("/* SPDX-License-Identifier: MIT */\n"
              "/* GENERATED FILE - DO NOT EDIT.\n"
              " * Source: %s (Ragel machine, read through `ragel -x`).\n"
              " * Regenerate: meson compile -C build regen  (scripts/regen.sh)\n"
              " */\n" % spec)
    guard = "VIRTAGENT_GEN_%s_TABLES_H" % up

    h = [banner, "#ifndef %s\n#define %s\n\n#include <stdint.h>\n\n" % (guard, guard)]
    h.append("/* Events: the machine's alphabet (Ragel `export`). */\n")
    h.append("typedef enum %s_event {\n" % prefix)
    for i, e in enumerate(evnames):
        h.append("    %s_EV_%s = %d,\n" % (up, e, i))
    h.append("} %s_event;\n#define %s_NEVENTS %d\n\n" % (prefix, up, nev))
    h.append("/* States, in the order of the spec's @state lines. */\n")
    h.append("typedef enum %s_state {\n" % prefix)
    for i, n in enumerate(names):
        h.append("    %s_%s = %d,\n" % (up, n, i))
    h.append("} %s_state;\n#define %s_NSTATES %d\n" % (prefix, up, ns))
    h.append("#define %s_START %s_%s\n" % (up, up, name_of[start]))
    h.append("/* The final state: the slot is released. */\n")
    for fn in final_names:
        h.append("#define %s_FINAL %s_%s\n" % (up, up, fn))
    h.append("#define %s_REJECT 0x%02Xu\n\n" % (up, reject))
    h.append("/* Actions: bit i of an action mask; run in increasing bit order. */\n")
    h.append("typedef enum %s_action {\n" % prefix)
    for i, a in enumerate(actnames):
        h.append("    %s_A_%s = %d,\n" % (up, a.upper(), i))
    h.append("} %s_action;\n#define %s_NACTIONS %d\n" % (prefix, up, nact))
    for i, a in enumerate(actnames):
        h.append("#define %s_DO_%s (1u << %s_A_%s)\n" % (up, a.upper(), up, a.upper()))
    h.append("/* Hook name (as written in the spec) -> action id. */\n")
    for i, a in enumerate(actnames):
        h.append("#define %s_HOOK_ID_%s %s_A_%s\n" % (up, a, up, a.upper()))
    h.append("\nextern const uint8_t %s_next[%s_NSTATES][%s_NEVENTS];\n" % (prefix, up, up))
    h.append("extern const uint16_t %s_actions[%s_NSTATES][%s_NEVENTS];\n" % (prefix, up, up))
    h.append("extern const char *const %s_state_names[%s_NSTATES];\n" % (prefix, up))
    h.append("extern const char *const %s_event_names[%s_NEVENTS];\n" % (prefix, up))
    h.append("extern const char *const %s_action_names[%s_NACTIONS];\n" % (prefix, up))
    h.append("/* Ragel's state number -> named state (for the differential test). */\n")
    h.append("#define %s_RAGEL_NSTATES %d\n" % (up, max(sids) + 1))
    h.append("extern const uint8_t %s_of_ragel[%s_RAGEL_NSTATES];\n" % (prefix, up))
    h.append("\n#endif\n")

    c = [banner, '#include "%s_tables.h"\n\n' % prefix]
    c.append("const uint8_t %s_next[%s_NSTATES][%s_NEVENTS] = {\n" % (prefix, up, up))
    for i, n in enumerate(names):
        row = ", ".join(("%s_%s" % (up, names[v])) if v != reject else "%s_REJECT" % up
                        for v in nxt_tab[i])
        c.append("    [%s_%s] = { %s },\n" % (up, n, row))
    c.append("};\n\n")
    c.append("const uint16_t %s_actions[%s_NSTATES][%s_NEVENTS] = {\n" % (prefix, up, up))
    for i, n in enumerate(names):
        cells = []
        for ev in range(nev):
            m = act_tab[i][ev]
            bits = ["%s_DO_%s" % (up, actnames[a].upper()) for a in range(nact) if m >> a & 1]
            cells.append(" | ".join(bits) if bits else "0")
        c.append("    [%s_%s] = {\n" % (up, n))
        for ev in range(nev):
            c.append("        [%s_EV_%s] = %s,\n" % (up, evnames[ev], cells[ev]))
        c.append("    },\n")
    c.append("};\n\n")
    c.append("const char *const %s_state_names[%s_NSTATES] = {\n" % (prefix, up))
    c.extend('    "%s",\n' % n for n in names)
    c.append("};\n\n")
    c.append("const char *const %s_event_names[%s_NEVENTS] = {\n" % (prefix, up))
    c.extend('    "%s",\n' % e for e in evnames)
    c.append("};\n\n")
    c.append("const char *const %s_action_names[%s_NACTIONS] = {\n" % (prefix, up))
    c.extend('    "%s",\n' % a for a in actnames)
    c.append("};\n\n")
    c.append("const uint8_t %s_of_ragel[%s_RAGEL_NSTATES] = {\n" % (prefix, up))
    for s in range(max(sids) + 1):
        c.append("    %s,\n" % (("%s_%s" % (up, name_of[s])) if s in name_of else "%s_REJECT" % up))
    c.append("};\n")

    with open("%s/%s_tables.h" % (out_dir, prefix), "w", encoding="utf-8") as f:
        f.write("".join(h))
    with open("%s/%s_tables.c" % (out_dir, prefix), "w", encoding="utf-8") as f:
        f.write("".join(c))


if __name__ == "__main__":
    main()
