// SPDX-License-Identifier: MIT
/*
 * stdio_calls - the stdio functions the recorder wraps, each called once.
 *
 * Usage: stdio_calls DIR
 *
 * WHY: glibc's stdio calls read/write/lseek internally without going through
 * the PLT, so an LD_PRELOAD wrapper of write() never sees fwrite()'s data.
 * The recorder therefore wraps the stdio layer itself; this program drives
 * fopen/fopen64/fdopen/freopen, fwrite/fputs/fputc/fprintf (buffered, line
 * and unbuffered streams, and an fwrite larger than the buffer, which glibc
 * passes straight to write), fread/fgets/fgetc/getline/ungetc (a read after
 * them must start where they left the stream), fseek/fseeko/ftell/
 * ftello/rewind, fflush and fclose, and prints one line per call with its
 * result, errno name and a checksum of data read.  Traced and untraced
 * output must be identical.
 *
 * Exit: 0 done, 1 data read back differs from data written or a call that
 * cannot fail failed.
 */
#include "wl.h"

static unsigned char big[20000];

/* Report a FILE * result as "FILE" or "NULL ERRNO". */
static FILE *repf(const char *name, FILE *fp)
{
	int e = errno;

	if (fp)
		printf("%-32s = FILE OK\n", name);
	else
		printf("%-32s = NULL %s\n", name, wl_errname(e));
	errno = e;
	return fp;
}

static FILE *mustf(FILE *fp)
{
	if (!fp)
		wl_fail("a stream that must open did not: %s",
			wl_errname(errno));
	return fp;
}

static void rep_data(const char *name, long long n, const void *buf)
{
	wl_res(name, n, errno);
	if (n > 0)
		printf("%-32s   data %016llx\n", "",
		       (unsigned long long)wl_hash(WL_HASH_INIT, buf,
						    (size_t)n));
}

static void write_stream(void)
{
	FILE *fp = mustf(repf("fopen(s.txt,w)", fopen("s.txt", "w")));

	wl_rep("fputs", fputs("first line\n", fp));
	wl_rep("fputc", fputc('x', fp));
	wl_rep("fputc(newline)", fputc('\n', fp));
	wl_rep("fprintf", fprintf(fp, "n=%d s=%s f=%.3f\n", 42, "str", 1.5));
	wl_rep("fwrite(20000 x 1)", fwrite(big, 1, sizeof(big), fp));
	wl_rep("fwrite(100 x 10)", fwrite(big, 10, 100, fp));
	wl_rep("ftell", ftell(fp));
	wl_rep("fflush", fflush(fp));
	wl_rep("fputs(tail)", fputs("\nlast line\n", fp));
	wl_rep("fclose", fclose(fp));
}

static void read_stream(void)
{
	char line[64], *lp = NULL;
	size_t cap = 0;
	unsigned char buf[sizeof(big)];
	FILE *fp = mustf(repf("fopen(s.txt,r)", fopen("s.txt", "r")));
	long long n;

	if (!fgets(line, sizeof(line), fp))
		wl_fail("fgets: %s", wl_errname(errno));
	rep_data("fgets", (long long)strlen(line), line);
	if (strcmp(line, "first line\n"))
		wl_fail("fgets returned the wrong line");
	wl_rep("fgetc", fgetc(fp));
	wl_rep("fgetc", fgetc(fp));
	n = getline(&lp, &cap, fp);
	rep_data("getline", n, lp);
	if (n < 0 || strcmp(lp, "n=42 s=str f=1.500\n"))
		wl_fail("getline returned the wrong line");
	n = (long long)fread(buf, 1, sizeof(big), fp);
	rep_data("fread(20000)", n, buf);
	if (n != sizeof(big) || memcmp(buf, big, sizeof(big)))
		wl_fail("fread: data read back differs from data written");
	wl_rep("ftell", ftell(fp));
	wl_rep("fseek(SEEK_SET,12)", fseek(fp, 12, SEEK_SET));
	wl_rep("fgetc", fgetc(fp));
	/* push back what was read, as a scanner does */
	wl_rep("ungetc", ungetc('\n', fp));
	wl_rep("fgetc after ungetc", fgetc(fp));
	wl_rep("fgetc", fgetc(fp));
	wl_rep("ungetc", ungetc('n', fp));
	n = (long long)fread(buf, 1, 4, fp);
	rep_data("fread(4) after ungetc", n, buf);
	if (n != 4 || memcmp(buf, "n=42", 4))
		wl_fail("fread after ungetc returned the wrong bytes");
	wl_rep("fseek(SEEK_SET,13)", fseek(fp, 13, SEEK_SET));
	wl_rep("fseeko(SEEK_CUR,-1)", fseeko(fp, -1, SEEK_CUR));
	wl_rep("ftello", ftello(fp));
	wl_rep("fseek(SEEK_END,-10)", fseek(fp, -10, SEEK_END));
	n = (long long)fread(buf, 1, 100, fp);
	rep_data("fread(100) at end", n, buf);
	wl_rep("feof", feof(fp) != 0);
	rewind(fp);
	wl_rep("rewind; ftell", ftell(fp));
	n = (long long)fread(buf, 1, 11, fp);
	rep_data("fread(11) after rewind", n, buf);
	wl_rep("fseek(SEEK_SET,-1)", fseek(fp, -1, SEEK_SET));
	wl_rep("fputs on read stream", fputs("x", fp));
	free(lp);
	wl_rep("fclose", fclose(fp));
}

static void other_streams(void)
{
	unsigned char buf[256];
	FILE *fp, *fp2;
	long long n;
	int fd;

	fd = open("t.txt", O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		wl_fail("open t.txt: %s", strerror(errno));
	fp = mustf(repf("fdopen(t.txt,w+)", fdopen(fd, "w+")));
	wl_rep("fprintf", fprintf(fp, "fdopen stream %s\n", "data"));
	wl_rep("fseek(0)", fseek(fp, 0, SEEK_SET));
	n = (long long)fread(buf, 1, sizeof(buf), fp);
	rep_data("fread(256)", n, buf);
	if (n != 19 || memcmp(buf, "fdopen stream data\n", 19))
		wl_fail("fdopen stream read back wrong data");

	/* freopen: the same FILE now writes another file */
	fp = mustf(repf("freopen(u.txt,w)", freopen("u.txt", "w", fp)));
	wl_rep("setvbuf(_IONBF)", setvbuf(fp, NULL, _IONBF, 0));
	wl_rep("fputs(unbuffered)", fputs("unbuffered ", fp));
	wl_rep("fputc(unbuffered)", fputc('!', fp));
	wl_rep("fwrite(unbuffered)", fwrite(big, 1, 300, fp));
	wl_rep("fclose", fclose(fp));

	fp = mustf(repf("fopen64(s.txt,a)", fopen64("s.txt", "a")));
	wl_rep("setvbuf(_IOLBF)", setvbuf(fp, NULL, _IOLBF, 0));
	wl_rep("fputs(appended)", fputs("appended\n", fp));
	wl_rep("fputs(no newline)", fputs("partial", fp));
	wl_rep("ftell", ftell(fp));
	wl_rep("fclose", fclose(fp));

	fp = mustf(repf("fopen(u.txt,r+)", fopen("u.txt", "r+")));
	wl_rep("fseek(SEEK_SET,2)", fseek(fp, 2, SEEK_SET));
	wl_rep("fputs(overwrite)", fputs("OVER", fp));
	wl_rep("fflush", fflush(fp));
	wl_rep("fgetc after flush", fgetc(fp));
	wl_rep("fclose", fclose(fp));

	fp2 = repf("fopen(missing,r)", fopen("missing", "r"));
	if (fp2)
		wl_fail("fopen of a missing file succeeded");
	repf("fopen(dir,w)", fopen(".", "w"));
	repf("fopen(bad mode)", fopen("s.txt", "z"));
	wl_rep("fflush(NULL)", fflush(NULL));
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return WL_EXIT_USAGE;
	}
	wl_enter_dir(argv[1]);
	wl_fill(big, sizeof(big), 2);

	write_stream();
	read_stream();
	other_streams();
	wl_print_file(AT_FDCWD, "s.txt");
	wl_print_file(AT_FDCWD, "t.txt");
	wl_print_file(AT_FDCWD, "u.txt");
	return WL_EXIT_OK;
}
