/* file.c — see file.h. */
#include "core/file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int file_read_fd(int fd, size_t max, char **out, size_t *len)
{
	struct stat st;
	size_t size, got = 0;
	char *p;

	*out = NULL;
	*len = 0;
	if (fstat(fd, &st) != 0)
		return errno ? -errno : -EIO;
	if (!S_ISREG(st.st_mode))
		return -EINVAL;
	if (st.st_size < 0 || (unsigned long long)st.st_size > max)
		return -EFBIG;
	size = (size_t)st.st_size;
	p = malloc(size + 1);
	if (!p)
		return -ENOMEM;
	while (got < size) {
		ssize_t r = pread(fd, p + got, size - got, (off_t)got);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			int rc = r < 0 && errno ? -errno : -EIO;

			free(p);
			return rc;
		}
		got += (size_t)r;
	}
	p[got] = '\0';
	*out = p;
	*len = got;
	return 0;
}

int file_read(const char *path, size_t max, char **out, size_t *len)
{
	int fd, rc;

	*out = NULL;
	*len = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno ? -errno : -EIO;
	rc = file_read_fd(fd, max, out, len);
	close(fd);
	return rc;
}

int mkdir_p(const char *path, mode_t mode)
{
	char tmp[1024];
	size_t i, n = strlen(path);

	if (n >= sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(tmp, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (tmp[i] != '/' && tmp[i] != '\0')
			continue;
		tmp[i] = '\0';
		if (mkdir(tmp, mode) != 0 && errno != EEXIST)
			return -1;
		tmp[i] = path[i];
	}
	return 0;
}
