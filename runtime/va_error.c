/* SPDX-License-Identifier: MIT */
/* Strings for the error table in va_error.h. */
#include "virtagent/va_error.h"

#define VA_ERR_TEXT_ROW_(name, value, text) text,
#define VA_ERR_NAME_ROW_(name, value, text) #name,
static const char *const va_err_text[VA_ERR_COUNT] = { VA_ERRORS(VA_ERR_TEXT_ROW_) };
static const char *const va_err_name[VA_ERR_COUNT] = { VA_ERRORS(VA_ERR_NAME_ROW_) };

/*@ assigns \nothing;
    ensures \result != \null; */
const char *va_strerror(int err)
{
    if (err > 0 || err <= -VA_ERR_COUNT) {
        return "unknown error";
    }
    return va_err_text[-err];
}

/*@ assigns \nothing;
    ensures \result != \null; */
const char *va_errname(int err)
{
    if (err > 0 || err <= -VA_ERR_COUNT) {
        return "VA_ERR_UNKNOWN";
    }
    return va_err_name[-err];
}
