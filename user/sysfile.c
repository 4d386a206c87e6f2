// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* sysfile.c: reading the small one-value text files of sysfs and procfs. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include "sysfile.h"

int sysfile_read(const char *path, char *buf, size_t len)
{
	struct stat st;
	ssize_t n;
	/* Non-blocking, and regular files only: a FIFO put in a zone's place must not hang us. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);

	if (fd < 0)
		return -errno;
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		n = fstat(fd, &st) ? -errno : -EINVAL;
		close(fd);
		return (int)n;
	}
	n = read(fd, buf, len - 1);
	if (n < 0)
		n = -errno;
	close(fd);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\r' ||
			 buf[n - 1] == '\t'))
		buf[--n] = '\0';
	return 0;
}

int sysfile_read_int(const char *path, int *out)
{
	char buf[32], *end;
	long v;
	int err = sysfile_read(path, buf, sizeof(buf));

	if (err)
		return err;
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno || end == buf || *end || v < INT_MIN || v > INT_MAX)
		return -EINVAL;
	*out = (int)v;
	return 0;
}
