/*
 * bcryptprimitives.dll for Wine 8 (Debian 12), which has none.
 *
 * Rust's standard library (1.78 and later) asks Windows for random bytes with
 * ProcessPrng from bcryptprimitives.dll as the process starts (for HashMap's
 * keys). Without that DLL every Rust program exits at once under Wine 8, with
 * code 53. This DLL exports ProcessPrng and forwards it to advapi32's
 * SystemFunction036 (RtlGenRandom), which Wine has. CI puts it on Wine's DLL
 * path (WINEPATH) to run the Windows test suites; nothing ships it.
 */
#include <windows.h>

BOOLEAN WINAPI SystemFunction036(PVOID buffer, ULONG length);

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T length)
{
    while (length > 0) {
        ULONG chunk = length > 0x40000000 ? 0x40000000 : (ULONG)length;
        if (!SystemFunction036(data, chunk)) {
            return FALSE;
        }
        data += chunk;
        length -= chunk;
    }
    return TRUE;
}
