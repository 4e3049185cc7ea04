#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Relabel `ragel -V` output with the event and state names of the spec.

    lifecycle_dot.py MACHINE.dot MACHINE.xml SPEC.rl > NAMED.dot
"""
import re
import sys
import xml.etree.ElementTree as ET

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import lifecycle_tables as lt  # noqa: E402

dot_path, xml_path, rl_path = sys.argv[1:]
named = lt.parse_spec_states(rl_path)
exports, actions, start, error, finals, sids, trans = lt.parse_xml(xml_path)
evname = {v: n for n, v in exports}
evindex = {n: v for n, v in exports}
state_name = {}
for name, path in named:
    cur = start
    for e in path:
        cur = trans[(cur, evindex[e])][0]
    state_name[cur] = name

out = []
for line in open(dot_path, encoding="utf-8"):
    # edge label: "N / act, act" or "N"
    m = re.match(r'^(\s*)(\d+) -> (\d+) \[ label = "([^"]*)" \];', line)
    if m:
        ind, a, b, lab = m.groups()
        parts = lab.split(" / ", 1)
        evs = []
        for ev in parts[0].split(","):
            ev = ev.strip()
            if ev.isdigit() and int(ev) in evname:
                ev = evname[int(ev)]
            evs.append(ev)
        ev = ", ".join(evs)
        lab = ev + ("\\n/ " + parts[1] if len(parts) > 1 else "")
        out.append('%s%s -> %s [ label = "%s" ];\n' % (ind, a, b, lab))
        continue
    if line.strip() == "}":
        for s, n in sorted(state_name.items()):
            shape = "doublecircle" if s in finals else "ellipse"
            out.append('\t%d [ shape = %s, fixedsize = false, label = "%s" ];\n' % (s, shape, n))
    line = line.replace("rankdir=LR", "rankdir=TB")
    out.append(line)
sys.stdout.write("".join(out))
