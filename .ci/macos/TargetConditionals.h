/* What the macOS SDK's TargetConditionals.h says of a Mac: enough for the C
 * that build scripts compile (ring's) to type-check the workspace for macOS
 * here, where there is no SDK. Nothing compiled with it is linked or run. */
#ifndef PIPELINE_LAB_TARGET_CONDITIONALS_H
#define PIPELINE_LAB_TARGET_CONDITIONALS_H
#define TARGET_OS_MAC 1
#define TARGET_OS_OSX 1
#define TARGET_OS_IPHONE 0
#define TARGET_OS_IOS 0
#define TARGET_OS_TV 0
#define TARGET_OS_WATCH 0
#define TARGET_OS_SIMULATOR 0
#define TARGET_OS_EMBEDDED 0
#endif
