/* secret.c — the server secret and keys derived from it (secret.h). */
#include "core/secret.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <sodium.h>

#include "core/base64.h"

int secret_load(const char *data_dir, int create, unsigned char out[SECRET_LEN], struct err *err)
{
	char path[1100];
	int fd;
	ssize_t n;

	snprintf(path, sizeof(path), "%s/secret", data_dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		n = read(fd, out, SECRET_LEN);
		close(fd);
		if (n == SECRET_LEN)
			return 0;
		err_set(err, ERR_INTERNAL, "%s: damaged (expected %d bytes); remove it to make a new one", path,
			SECRET_LEN);
		return -1;
	}
	if (!create) {
		err_set(err, ERR_INTERNAL, "%s: %s (start the server once, or copy it from another node)", path,
			strerror(errno));
		return -1;
	}
	if (RAND_bytes(out, SECRET_LEN) != 1) {
		err_set(err, ERR_INTERNAL, "no random bytes for the server secret");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, out, SECRET_LEN) != SECRET_LEN) {
		err_set(err, ERR_INTERNAL, "%s: cannot write: %s", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void secret_derive(const unsigned char secret[SECRET_LEN], const char *purpose, unsigned char out[SECRET_LEN])
{
	unsigned int len = SECRET_LEN;

	HMAC(EVP_sha256(), secret, SECRET_LEN, (const unsigned char *)purpose, strlen(purpose), out, &len);
}

int secret_seal(const unsigned char key[SECRET_LEN], const void *p, size_t n, char *out, size_t outsz)
{
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 256];
	size_t boxlen = crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + n;

	if (n > 256 || sodium_init() < 0 || outsz < b64_encoded_size(boxlen, B64_STD))
		return -1;
	randombytes_buf(box, crypto_secretbox_NONCEBYTES);
	crypto_secretbox_easy(box + crypto_secretbox_NONCEBYTES, p, n, box, key);
	return b64_encode(out, outsz, box, boxlen, B64_STD) < 0 ? -1 : 0;
}

int secret_open(const unsigned char key[SECRET_LEN], const char *sealed, void *out, size_t outsz, size_t *n)
{
	unsigned char box[crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES + 256];
	size_t boxlen = 0;

	if (sodium_init() < 0 || b64_decode(box, sizeof(box), sealed, strlen(sealed), &boxlen, B64_STD) != 0 ||
	    boxlen < crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES ||
	    boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES > outsz)
		return -1;
	if (crypto_secretbox_open_easy(out, box + crypto_secretbox_NONCEBYTES, boxlen - crypto_secretbox_NONCEBYTES,
				       box, key) != 0)
		return -1;
	*n = boxlen - crypto_secretbox_NONCEBYTES - crypto_secretbox_MACBYTES;
	return 0;
}
