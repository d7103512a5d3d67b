/* <assert.h> for type-checking the workspace for macOS without its SDK: the C
 * that build scripts compile (ring's) only needs `assert` to exist. Nothing
 * compiled with it is linked or run. */
#ifndef PIPELINE_LAB_ASSERT_H
#define PIPELINE_LAB_ASSERT_H
#define assert(e) ((void)0)
#endif
