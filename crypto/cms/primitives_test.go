package cms

import (
	"bytes"
	"crypto"
	"encoding/hex"
	"strconv"
	"strings"
	"testing"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestAESKeyWrap checks the test vectors of RFC 3394 §4.
func TestAESKeyWrap(t *testing.T) {
	tests := []struct {
		name, kek, key, wrapped string
	}{
		{"4.1 128-bit key with 128-bit KEK", "000102030405060708090A0B0C0D0E0F", "00112233445566778899AABBCCDDEEFF",
			"1FA68B0A8112B447AEF34BD8FB5A7B829D3E862371D2CFE5"},
		{"4.2 128-bit key with 192-bit KEK", "000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF",
			"96778B25AE6CA435F92B5B97C050AED2468AB8A17AD84E5D"},
		{"4.3 128-bit key with 256-bit KEK", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F", "00112233445566778899AABBCCDDEEFF",
			"64E8C3F9CE0F5BA263E9777905818A2A93C8191E7D6E8AE7"},
		{"4.4 192-bit key with 192-bit KEK", "000102030405060708090A0B0C0D0E0F1011121314151617", "00112233445566778899AABBCCDDEEFF0001020304050607",
			"031D33264E15D33268F24EC260743EDCE1C6C7DDEE725A936BA814915C6762D2"},
		{"4.6 256-bit key with 256-bit KEK", "000102030405060708090A0B0C0D0E0F101112131415161718191A1B1C1D1E1F",
			"00112233445566778899AABBCCDDEEFF000102030405060708090A0B0C0D0E0F",
			"28C9F404C4B810F4CBCCB35CFB87F8263F5786E2D80ED326CBC7F0E71A99F43BFB988B9B7A02DD21"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			kek, key, want := unhex(t, tc.kek), unhex(t, tc.key), unhex(t, tc.wrapped)
			got, err := aesWrap(kek, key)
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("aesWrap: got %X, %v, want %X", got, err, want)
			}
			back, err := aesUnwrap(kek, want)
			if err != nil || !bytes.Equal(back, key) {
				t.Errorf("aesUnwrap: got %X, %v, want %X", back, err, key)
			}
			bad := bytes.Clone(want)
			bad[len(bad)-1] ^= 1
			if _, err := aesUnwrap(kek, bad); err == nil {
				t.Errorf("aesUnwrap of a changed input: got no error")
			}
		})
	}
	for _, n := range []int{0, 8, 16, 23, 25} {
		if _, err := aesUnwrap(make([]byte, 16), make([]byte, n)); err == nil {
			t.Errorf("aesUnwrap of %d bytes: got no error", n)
		}
	}
	if _, err := aesUnwrap(make([]byte, 7), make([]byte, 24)); err == nil {
		t.Errorf("aesUnwrap with a 7-byte KEK: got no error")
	}
}

// TestX963KDF compares the KDF with `openssl kdf X963KDF`.
func TestX963KDF(t *testing.T) {
	needOpenSSL(t)
	z := unhex(t, "96c05619d56c328ab95fe84b18264b08725b85e33fd34f08")
	info := eccSharedInfo(oidAES256Wrap, []byte("user keying material"), 256)
	for _, tc := range []struct {
		h    crypto.Hash
		name string
		size int
	}{{crypto.SHA1, "SHA1", 16}, {crypto.SHA256, "SHA256", 32}, {crypto.SHA384, "SHA384", 32}, {crypto.SHA512, "SHA512", 100}} {
		got := x963KDF(tc.h, z, info, tc.size)
		out := openssl(t, nil, "kdf", "-keylen", strconv.Itoa(tc.size), "-kdfopt", "digest:"+tc.name,
			"-kdfopt", "hexsecret:"+hex.EncodeToString(z), "-kdfopt", "hexinfo:"+hex.EncodeToString(info), "X963KDF")
		want := unhex(t, string(bytes.ReplaceAll(bytes.TrimSpace(out), []byte(":"), nil)))
		if !bytes.Equal(got, want) {
			t.Errorf("%s: got %X, want %X", tc.name, got, want)
		}
	}
}

// TestUnpad checks the constant-time padding check.
func TestUnpad(t *testing.T) {
	tests := []struct {
		in     string
		wantN  int
		wantOK bool
	}{
		{"00112233445566778899aabbccddee01", 15, true},
		{"00112233445566778899aabbcc030303", 13, true},
		{"10101010101010101010101010101010", 0, true},
		{"00112233445566778899aabbcc030203", 0, false},
		{"00112233445566778899aabbccddee00", 0, false},
		{"00112233445566778899aabbccddee11", 0, false},
		{"001122334455667788990aabbccddeff", 0, false},
		{"", 0, false},
		{"0101", 0, false},
	}
	for _, tc := range tests {
		n, ok := unpad(unhex(t, tc.in), 16)
		if n != tc.wantN || ok != tc.wantOK {
			t.Errorf("unpad(%s): got %d, %v, want %d, %v", tc.in, n, ok, tc.wantN, tc.wantOK)
		}
	}
}

// TestToDER checks the BER to DER conversion on hand-made encodings.
func TestToDER(t *testing.T) {
	tests := []struct {
		name, in, want string
		same           bool // DER input comes back unchanged, without a copy
	}{
		{"DER stays", "3006020101020102", "3006020101020102", true},
		{"indefinite sequence", "30800201010201020000", "3006020101020102", false},
		{"nested indefinite", "3080308002010100000000", "30053003020101", false},
		{"constructed octet string", "2480040261620401630000", "0403616263", false},
		{"nested constructed octet string", "24800402616224800401630000040164 0000", "040461626364", false},
		{"definite constructed octet string", "240704026162040163", "0403616263", false},
		{"non-minimal length", "30810302010 1", "3003020101", false},
		{"context tag keeps structure", "a08004026162 0000", "a004040261 62", false},
		{"long content", "0481" + "80" + strings.Repeat("ab", 128), "048180" + strings.Repeat("ab", 128), true},
		{"long indefinite", "3080" + "0481" + "80" + strings.Repeat("ab", 128) + "0000", "308183048180" + strings.Repeat("ab", 128), false},
		{"constructed utf8string", "2c800c01610c01620000", "0c026162", false},
		{"high tag number", "9f8a0101ff", "9f8a0101ff", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			in := unhex(t, strings.ReplaceAll(tc.in, " ", ""))
			got, err := toDER(in)
			if err != nil {
				t.Fatalf("toDER: %v", err)
			}
			if want := unhex(t, strings.ReplaceAll(tc.want, " ", "")); !bytes.Equal(got, want) {
				t.Errorf("got %X, want %X", got, want)
			}
			if same := len(got) > 0 && &got[0] == &in[0]; same != tc.same {
				t.Errorf("returned the input itself: got %v, want %v", same, tc.same)
			}
		})
	}
}
