/* The few declarations of <stdlib.h> that the C compiled by build scripts
 * (ring's) asks for, for type-checking the workspace for macOS without its SDK.
 * Nothing compiled with it is linked or run. */
#ifndef PIPELINE_LAB_STDLIB_H
#define PIPELINE_LAB_STDLIB_H
#include <stddef.h>
void abort(void);
void *malloc(size_t n);
void free(void *p);
#endif
