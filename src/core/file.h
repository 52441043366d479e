/* file.h — reading a whole file into memory: the one way, with a cap. */
#ifndef EPAK_FILE_H
#define EPAK_FILE_H

#include <stddef.h>
#include <sys/types.h>

/* Reads the regular file open on fd, from its start (with pread: the file
 * position is left alone), into a malloc'd buffer with a NUL after the bytes
 * (*len does not count it). 0 on success, or a negative errno: -EINVAL when
 * fd is not a regular file, -EFBIG when it holds more than max bytes, -ENOMEM,
 * -EIO when it shrank while being read, or what fstat()/pread() reported.
 * On failure *out is NULL. */
int file_read_fd(int fd, size_t max, char **out, size_t *len);

/* The same for the file at path; -ENOENT (or what open() reported) when it
 * cannot be opened. */
int file_read(const char *path, size_t max, char **out, size_t *len);

/* Makes the folder path and any missing parents with mode (less the
 * umask); folders already there are fine. 0, or -1 with errno set
 * (ENAMETOOLONG past 1023 bytes). */
int mkdir_p(const char *path, mode_t mode);

#endif
