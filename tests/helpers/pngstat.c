// SPDX-License-Identifier: GPL-2.0 OR BSD-3-Clause
/* pngstat.c: decode an 8-bit PNG over white and report how much of it is not blank, for tests. */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#define ZLIB_CONST
#include <zlib.h>

#define MAX_DIM	  16384u
#define MAX_FILE  (256 << 20)
#define MAX_COUNT 32

static const char usage[] =
	"usage: pngstat FILE.png [--count RRGGBB]...\n"
	"Composite over white; print \"WIDTH HEIGHT NONWHITE_FRACTION DISTINCT_COLOURS\", then\n"
	"\"RRGGBB N\" per --count, N the pixels of exactly that colour. 8-bit grey/RGB(A) only.";

struct png {
	const uint8_t *buf;
	size_t len, pos; /* pos: the chunk next_idat() looks at next */
	uint32_t width, height;
	unsigned int channels;
	int has_key; /* tRNS: this one grey or RGB value is transparent */
	uint16_t key[3];
	z_stream zs;
};

struct stats {
	uint64_t nonwhite, distinct;
	int ncount;
	uint32_t want[MAX_COUNT];
	uint64_t count[MAX_COUNT];
	uint8_t seen[1 << 21]; /* a bit per RGB colour: exact, and only 2 MiB */
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Slurp a regular file into *buf, which the caller frees even on error; 0 or -errno. */
static int read_file(const char *path, uint8_t **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	int err = 0;

	*buf = NULL;
	if (!f)
		return -errno;
	if (fstat(fileno(f), &st))
		err = -errno;
	else if (st.st_size > MAX_FILE)
		err = -EFBIG;
	else if (!(*buf = malloc(st.st_size + 1)))
		err = -ENOMEM;
	else if ((*len = fread(*buf, 1, st.st_size, f)) != (size_t)st.st_size)
		err = ferror(f) && errno ? -errno : -EIO;
	fclose(f);
	return err;
}

static const char *parse_ihdr(struct png *png, const uint8_t *d, uint32_t len)
{
	static const unsigned int channels[7] = { 1, 0, 3, 0, 2, 0, 4 };

	if (len != 13)
		return "bad IHDR length";
	png->width = be32(d);
	png->height = be32(d + 4);
	if (!png->width || !png->height || png->width > MAX_DIM || png->height > MAX_DIM)
		return "image size out of range (1..16384 a side)";
	if (d[9] == 3)
		return "palette images are not supported";
	if (d[8] != 8)
		return d[8] == 16 ? "16-bit images are not supported" : "unsupported bit depth";
	if (d[9] > 6 || !channels[d[9]])
		return "bad colour type";
	if (d[10] || d[11])
		return "unknown compression or filter method";
	if (d[12])
		return "interlaced images are not supported";
	png->channels = channels[d[9]];
	return NULL;
}

/* Walk the chunks up to IEND: each within the file with a good CRC, IHDR first and sane. */
static const char *check_chunks(struct png *png)
{
	static const uint8_t sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	static char msg[80];
	const uint8_t *c;
	size_t pos = 8;
	uint32_t len;
	const char *err;

	if (png->len < 8 || memcmp(png->buf, sig, 8))
		return "not a PNG file";
	for (;; pos += 12 + len) {
		if (png->len - pos < 12)
			return "truncated (no IEND chunk)";
		c = png->buf + pos;
		len = be32(c);
		for (int i = 4; i < 8; i++)
			if ((c[i] | 0x20) < 'a' || (c[i] | 0x20) > 'z')
				return "bad chunk type (truncated or corrupt)";
		if (len > png->len - pos - 12) {
			snprintf(msg, sizeof(msg), "truncated (%.4s chunk runs past end of file)",
				 c + 4);
			return msg;
		}
		if (crc32(0, c + 4, len + 4) != be32(c + 8 + len)) {
			snprintf(msg, sizeof(msg), "bad CRC in %.4s chunk", c + 4);
			return msg;
		}
		if (pos == 8 && memcmp(c + 4, "IHDR", 4))
			return "first chunk is not IHDR";
		if (pos == 8 && (err = parse_ihdr(png, c + 8, len)))
			return err;
		if (!memcmp(c + 4, "IEND", 4))
			return NULL;
		/* A colour key is only legal for grey (2 bytes) and RGB (6 bytes). */
		if (!memcmp(c + 4, "tRNS", 4) && png->channels % 2 && len == 2 * png->channels) {
			png->has_key = 1;
			for (unsigned int i = 0; i < 3; i++)
				png->key[i] = c[8 + 2 * (i % png->channels)] << 8 |
					      c[9 + 2 * (i % png->channels)];
		}
	}
}

/* Point the inflater at the next non-empty IDAT chunk; -1 once IEND is reached. */
static int next_idat(struct png *png)
{
	while (memcmp(png->buf + png->pos + 4, "IEND", 4)) {
		const uint8_t *c = png->buf + png->pos;
		uint32_t len = be32(c);

		png->pos += 12 + len;
		if (len && !memcmp(c + 4, "IDAT", 4)) {
			png->zs.next_in = c + 8;
			png->zs.avail_in = len;
			return 0;
		}
	}
	return -1;
}

static const char *read_row(struct png *png, uint8_t *out, size_t n)
{
	int ret;

	png->zs.next_out = out;
	png->zs.avail_out = n;
	while (png->zs.avail_out) {
		if (!png->zs.avail_in && next_idat(png))
			return "image data ends early";
		ret = inflate(&png->zs, Z_NO_FLUSH);
		if (ret == Z_STREAM_END && png->zs.avail_out)
			return "image data ends early";
		if (ret != Z_OK && ret != Z_STREAM_END)
			return "corrupt image data";
	}
	return NULL;
}

static int paeth(int a, int b, int c)
{
	int p = a + b - c, pa = abs(p - a), pb = abs(p - b), pc = abs(p - c);

	return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
}

/* Undo row[0]'s filter on the n bytes after it, given the previous row's unfiltered bytes. */
static int unfilter(uint8_t *row, const uint8_t *prev, size_t n, size_t bpp)
{
	uint8_t type = row[0], *x = row + 1;

	if (type > 4)
		return -1;
	for (size_t i = 0; i < n; i++) {
		int a = i >= bpp ? x[i - bpp] : 0, b = prev[i], c = i >= bpp ? prev[i - bpp] : 0;
		int pred[5] = { 0, a, b, (a + b) / 2, type == 4 ? paeth(a, b, c) : 0 };

		x[i] += pred[type];
	}
	return 0;
}

static unsigned int over_white(unsigned int v, unsigned int alpha)
{
	return (v * alpha + 255 * (255 - alpha) + 127) / 255;
}

static void tally(const struct png *png, const uint8_t *px, struct stats *st)
{
	unsigned int ch = png->channels;

	for (uint32_t x = 0; x < png->width; x++, px += ch) {
		unsigned int r = px[0], g = ch >= 3 ? px[1] : r, b = ch >= 3 ? px[2] : r;
		unsigned int a = ch % 2 ? 255 : px[ch - 1];
		uint32_t rgb;

		if (png->has_key && r == png->key[0] && g == png->key[1] && b == png->key[2])
			a = 0;
		rgb = over_white(r, a) << 16 | over_white(g, a) << 8 | over_white(b, a);
		st->nonwhite += rgb != 0xffffff;
		st->distinct += !(st->seen[rgb >> 3] & 1 << (rgb & 7));
		st->seen[rgb >> 3] |= 1 << (rgb & 7);
		for (int i = 0; i < st->ncount; i++)
			st->count[i] += st->want[i] == rgb;
	}
}

/* Inflate and unfilter one row at a time: memory stays small whatever the image size. */
static const char *scan(struct png *png, struct stats *st)
{
	size_t n = (size_t)png->width * png->channels;
	uint8_t *rows = calloc(2, n + 1), *cur, *prev;
	const char *err = NULL;

	if (!rows || inflateInit(&png->zs) != Z_OK) {
		free(rows);
		return "out of memory";
	}
	png->pos = 8;
	for (uint32_t y = 0; y < png->height && !err; y++) {
		cur = rows + (y % 2) * (n + 1);
		prev = rows + (1 - y % 2) * (n + 1);
		err = read_row(png, cur, n + 1);
		if (!err && unfilter(cur, prev + 1, n, png->channels))
			err = "bad filter type";
		if (!err)
			tally(png, cur + 1, st);
	}
	inflateEnd(&png->zs);
	free(rows);
	return err;
}

int main(int argc, char **argv)
{
	static struct stats st;
	struct png png = { 0 };
	const char *err;
	uint8_t *buf;
	int e;

	if (argc < 2 || argc % 2 || argv[1][0] == '-' || argc > 2 + 2 * MAX_COUNT)
		goto usage;
	st.ncount = (argc - 2) / 2;
	for (int i = 0; i < st.ncount; i++) {
		const char *hex = argv[3 + 2 * i];

		if (strcmp(argv[2 + 2 * i], "--count") || strlen(hex) != 6 ||
		    strspn(hex, "0123456789abcdefABCDEF") != 6)
			goto usage;
		st.want[i] = strtoul(hex, NULL, 16);
	}
	e = read_file(argv[1], &buf, &png.len);
	png.buf = buf;
	err = e ? strerror(-e) : check_chunks(&png);
	if (!err)
		err = scan(&png, &st);
	if (err) {
		fprintf(stderr, "pngstat: %s: %s\n", argv[1], err);
		free(buf);
		return EXIT_FAILURE;
	}
	printf("%u %u %.6f %llu\n", png.width, png.height,
	       (double)st.nonwhite / ((double)png.width * png.height),
	       (unsigned long long)st.distinct);
	for (int i = 0; i < st.ncount; i++)
		printf("%s %llu\n", argv[3 + 2 * i], (unsigned long long)st.count[i]);
	free(buf);
	return EXIT_SUCCESS;
usage:
	fprintf(stderr, "%s\n", usage);
	return 2;
}
