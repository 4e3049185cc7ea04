/* SPDX-License-Identifier: MIT */
/*
 * Helpers shared by virtagent and vactl (not installed): printing protobuf
 * messages as JSON or readable text through their descriptors, a bounded
 * flat-JSON -> protobuf mapper for `vactl call`, and method-name lists.
 *
 * Everything printed may come from a hostile peer: strings are escaped
 * (control bytes, invalid UTF-8), nesting is bounded by VT_DEPTH_MAX.
 */
#ifndef VIRTAGENT_TOOLS_VA_TOOL_H
#define VIRTAGENT_TOOLS_VA_TOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <protobuf-c/protobuf-c.h>

/* Deepest message nesting printed; the schema is flat (depth 2 today). */
#define VT_DEPTH_MAX 8
/* Longest JSON text `vactl call` accepts. */
#define VT_JSON_MAX 4096u
/* Bytes of string storage a parsed JSON request may use. */
#define VT_JSON_POOL 4096u

/* A string from the peer, escaped.  json: "..." with JSON escapes; else raw
 * text with C-style escapes for control bytes and invalid UTF-8. */
void vt_print_str(FILE *f, const char *s, size_t n, bool json);

/* A message as one JSON object (no newline). */
void vt_print_json(FILE *f, const ProtobufCMessage *m);
/* A message as readable "field: value" lines, each prefixed by `indent`. */
void vt_print_text(FILE *f, const ProtobufCMessage *m, const char *indent);

/* Fill `msg` (sizeof_message bytes of desc, initialised here) from a flat
 * JSON object: integer, bool, enum (name or number) and string fields.
 * Strings live in pool.  VA_OK or VA_ERR_INVAL with a message in err. */
int vt_json_to_message(const char *json, const ProtobufCMessageDescriptor *desc, void *msg,
                       char *pool, size_t pool_len, char *err, size_t err_len);

/* Lower-case enum value name ("heartbeat") or NULL. */
const char *vt_enum_name(const ProtobufCEnumDescriptor *d, int value, char *buf, size_t len);



/* "GuestAgent.Ping" for a method id ("method 0x0123" if unknown). */
const char *vt_method_name(uint32_t id, char *buf, size_t len);
#endif
