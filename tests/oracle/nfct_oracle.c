/*
 * nfct_oracle: print one raw ctnetlink / ctnetlink-exp message the way
 * libnetfilter_conntrack prints it (nfct_snprintf_labels / nfexp_snprintf),
 * with no socket: bytes in (hex, the whole nlmsghdr + nfgenmsg + attributes),
 * text out.
 *
 *   nfct_oracle [-o default|xml] [-m list|event] [-F id,ext,time,ktimestamp]
 *               [-l connlabel.conf] [-n NOW_EPOCH_SECONDS] [-z 1] [HEX ...]
 *
 * Without HEX arguments it reads one hex message per line from stdin (a line
 * may carry leading fields; the last whitespace-separated field is the hex)
 * and writes exactly one line per input line: the printed message, `!`
 * when there is nothing to print (not ctnetlink, unparsable) or `!abort` when
 * the library aborted on the message (conntrack itself would die), so that a
 * caller can pair inputs and outputs (examples/ct_oracle.rs). stdout is
 * flushed after every line.
 *
 * Part of nfct-decode's test tooling (tests/oracle/build.sh builds it against
 * the system's libnetfilter_conntrack); not linked into nfct-decode.
 * -m list: msg_type NFCT_T_UNKNOWN (what conntrack -L/-G/-D pass);
 * -m event: NEW+NLM_F_CREATE -> NFCT_T_NEW, NEW -> NFCT_T_UPDATE,
 *           DELETE -> NFCT_T_DESTROY (conntrack's event_cb mapping).
 * -n fixes time(): the library calls time() for <deltatime> of entries
 *    without a stop timestamp and for NFCT_OF_TIME's <when>; TZ decides
 *    <when>'s fields (localtime_r).
 */
#include <ctype.h>
#include <setjmp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <libnetfilter_conntrack/libnetfilter_conntrack.h>

static long long fixed_now = -1;

/* Interposes libc's time() for libnetfilter_conntrack as well: the
 * executable's definition comes first in the dynamic symbol lookup. */
time_t time(time_t *t)
{
	struct timespec ts;
	time_t now;

	if (fixed_now >= 0) {
		now = (time_t)fixed_now;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		now = ts.tv_sec;
	}
	if (t)
		*t = now;
	return now;
}

static int unhex(const char *s, unsigned char *out, size_t max)
{
	size_t n = 0;

	while (*s && !isxdigit((unsigned char)*s))
		s++;
	while (isxdigit((unsigned char)s[0]) && isxdigit((unsigned char)s[1])) {
		unsigned int b;

		if (n == max || sscanf(s, "%2x", &b) != 1)
			return -1;
		out[n++] = (unsigned char)b;
		s += 2;
	}
	return (int)n;
}

static int out_type = NFCT_O_DEFAULT, event_mode, framed;

/* libnetfilter_conntrack abort()s on some malformed attributes (its
 * abi_breakage()): the message is answered with "!abort" and the next one
 * read, instead of ending the stream. */
static sigjmp_buf recover;

static void on_abort(int sig)
{
	(void)sig;
	siglongjmp(recover, 1);
}
static unsigned int out_flags;
static struct nfct_labelmap *map;

static int print_one(const unsigned char *bytes, int len)
{
	/* aligned copy: the library reads the header in place */
	static uint32_t abuf[65536 / 4];
	const struct nlmsghdr *nlh = (const struct nlmsghdr *)abuf;
	unsigned int subsys, msg, type = NFCT_T_UNKNOWN;
	char buf[8192];
	int ret;

	if (len < (int)(NLMSG_HDRLEN + sizeof(struct nfgenmsg)) ||
	    len > (int)sizeof(abuf))
		return -1;
	memcpy(abuf, bytes, len);
	if (nlh->nlmsg_len > (unsigned int)len)
		return -1;

	subsys = nlh->nlmsg_type >> 8;
	msg = nlh->nlmsg_type & 0xff;
	if (event_mode) {
		/* IPCTNL_MSG_CT_NEW = IPCTNL_MSG_EXP_NEW = 0,
		 * IPCTNL_MSG_CT_DELETE = 2 (EXP_DELETE = 2) */
		if (msg == 0)
			type = (nlh->nlmsg_flags & NLM_F_CREATE) ?
				NFCT_T_NEW : NFCT_T_UPDATE;
		else if (msg == 2)
			type = NFCT_T_DESTROY;
	}

	if (subsys == NFNL_SUBSYS_CTNETLINK) {
		struct nf_conntrack *ct = nfct_new();

		if (!ct)
			return -1;
		ret = nfct_nlmsg_parse(nlh, ct);
		if (ret < 0)
			fprintf(stderr, "nfct_nlmsg_parse: %d (printing what was parsed)\n", ret);
		ret = nfct_snprintf_labels(buf, sizeof(buf), ct, type,
					   out_type, out_flags, map);
		nfct_destroy(ct);
	} else if (subsys == NFNL_SUBSYS_CTNETLINK_EXP) {
		struct nf_expect *exp = nfexp_new();

		if (!exp)
			return -1;
		ret = nfexp_nlmsg_parse(nlh, exp);
		if (ret < 0)
			fprintf(stderr, "nfexp_nlmsg_parse: %d (printing what was parsed)\n", ret);
		ret = nfexp_snprintf(buf, sizeof(buf), exp, type, out_type,
				     out_flags);
		nfexp_destroy(exp);
	} else {
		fprintf(stderr, "not ctnetlink: subsystem %u\n", subsys);
		return -1;
	}
	if (ret < 0)
		return -1;
	if (framed)
		printf("%zu:", strlen(buf));
	puts(buf);
	return 0;
}

int main(int argc, char **argv)
{
	static unsigned char bytes[65536];
	char line[200000];
	int i, n, rc = 0;

	for (i = 1; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";

		if (!strcmp(a, "-o")) {
			out_type = !strcmp(v, "xml") ? NFCT_O_XML : NFCT_O_DEFAULT;
		} else if (!strcmp(a, "-m")) {
			event_mode = !strcmp(v, "event");
		} else if (!strcmp(a, "-F")) {
			char tmp[256], *tok;

			snprintf(tmp, sizeof(tmp), "%s", v);
			for (tok = strtok(tmp, ","); tok; tok = strtok(NULL, ",")) {
				if (!strcmp(tok, "id"))
					out_flags |= NFCT_OF_ID;
				else if (!strcmp(tok, "ext"))
					out_flags |= NFCT_OF_SHOW_LAYER3;
				else if (!strcmp(tok, "time"))
					out_flags |= NFCT_OF_TIME;
				else if (!strcmp(tok, "ktimestamp"))
					out_flags |= NFCT_OF_TIMESTAMP;
			}
		} else if (!strcmp(a, "-l")) {
			map = nfct_labelmap_new(v);
			if (!map) {
				perror("nfct_labelmap_new");
				return 2;
			}
		} else if (!strcmp(a, "-n")) {
			fixed_now = atoll(v);
		} else if (!strcmp(a, "-z")) {
			/* "-z 1": each printed line is "LENGTH:" + the text, so that a
			 * caller can read text holding newlines (strings from the
			 * message are printed raw). */
			framed = atoi(v);
		} else {
			fprintf(stderr, "unknown option %s\n", a);
			return 2;
		}
		i++;
	}

	if (i < argc) {
		for (; i < argc; i++) {
			n = unhex(argv[i], bytes, sizeof(bytes));
			if (n <= 0 || print_one(bytes, n) < 0)
				rc = 1;
		}
		return rc;
	}
	signal(SIGABRT, on_abort);
	while (fgets(line, sizeof(line), stdin)) {
		char *last = strrchr(line, ' ');

		if (sigsetjmp(recover, 1)) {
			signal(SIGABRT, on_abort);
			puts(framed ? "6:!abort" : "!abort");
			fflush(stdout);
			continue;
		}
		n = unhex(last ? last + 1 : line, bytes, sizeof(bytes));
		if (n <= 0 || print_one(bytes, n) < 0) {
			puts(framed ? "1:!" : "!");
			rc = 1;
		}
		fflush(stdout);
	}
	return rc;
}
