/* The few declarations of <string.h> that the C compiled by build scripts
 * (ring's) asks for, for type-checking the workspace for macOS without its SDK.
 * Nothing compiled with it is linked or run. */
#ifndef PIPELINE_LAB_STRING_H
#define PIPELINE_LAB_STRING_H
#include <stddef.h>
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
size_t strlen(const char *s);
#endif
