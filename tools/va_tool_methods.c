/* SPDX-License-Identifier: MIT */
/* Method names for the tools, from the codec's descriptors. */
#include "va_tool.h"

#include <stdio.h>

#include "virtagent/va_codec.h"

const char *vt_method_name(uint32_t id, char *buf, size_t len)
{
    const ProtobufCMethodDescriptor *md = va_codec_method(id);
    const ProtobufCServiceDescriptor *sd = va_codec_method_service(id);

    if (md == NULL || sd == NULL) {
        snprintf(buf, len, "method 0x%04x", id);
    } else {
        snprintf(buf, len, "%s.%s", sd->short_name, md->name);
    }
    return buf;
}
