/*
 * bcryptprimitives.dll for Wine 8.0, which lacks it: Go's Windows runtime
 * (since Go 1.22) draws its random numbers from ProcessPrng in this DLL,
 * as Windows 10 and later provide it, and stops at start without it
 * ("fatal error: bcryptprimitives.dll not found"). The Wine test
 * (wine_test.go) builds this with MinGW-w64 into its prefix's system32;
 * it asks Wine's bcrypt.dll for the bytes, as the real one does. Newer
 * Wine (9.0 and later) ships the DLL and needs none of this.
 */
#include <windows.h>
#include <bcrypt.h>

__declspec(dllexport) BOOL WINAPI ProcessPrng(PBYTE data, SIZE_T len)
{
	while (len > 0) {
		ULONG n = len > 0x40000000 ? 0x40000000 : (ULONG)len;
		if (BCryptGenRandom(NULL, data, n, BCRYPT_USE_SYSTEM_PREFERRED_RNG) != 0)
			return FALSE;
		data += n;
		len -= n;
	}
	return TRUE;
}
