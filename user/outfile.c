// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* outfile.c: small output files written whole or not at all. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <unistd.h>
#include "outfile.h"

int outfile_write_atomic(const char *path, const char *data, size_t len)
{
	char tmp[4352];
	struct stat st;
	int fd, err = 0;

	if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	/*
	 * rename() replaces a symbolic link at path, never its target; a directory makes it fail
	 * (EISDIR). A device, a FIFO or a socket it would replace too, and as root that can be
	 * /dev/null: refused before anything is written.
	 */
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode) && !S_ISLNK(st.st_mode))
		return S_ISDIR(st.st_mode) ? -EISDIR : -ENOTSUP;
	/* A stale one from a crash goes first: O_EXCL then refuses anything planted there. */
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	while (len && !err) {
		ssize_t n = write(fd, data, len);

		if (n < 0 && errno != EINTR)
			err = -errno;
		if (n > 0) {
			data += n;
			len -= (size_t)n;
		}
	}
	if (!err && fsync(fd))
		err = -errno;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
