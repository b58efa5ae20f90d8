/* nlprint.h - tiny helpers shared by nfq_ct.c and nflog_ct.c (plain netlink sockets,
 * hand-built messages, no libraries). Prints netlink headers and attributes with their
 * raw type numbers and lengths, so the output can serve as ground truth for a decoder.
 * Only for the nfct-decode recordings (run inside a scratch VM / network namespace). */
#ifndef NLPRINT_H
#define NLPRINT_H
#include <arpa/inet.h>
#include <errno.h>
#include <linux/netlink.h>
#include <linux/netfilter/nfnetlink.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#define NLA_TYPE(a) ((a)->nla_type & NLA_TYPE_MASK)
#define NLA_DATA(a) ((unsigned char *)(a) + NLA_HDRLEN)
#define NLA_PLEN(a) ((int)(a)->nla_len - NLA_HDRLEN)

static uint32_t g_seq = 1000;

static uint16_t rd16(const void *p) { uint16_t v; memcpy(&v, p, 2); return ntohs(v); }
static uint32_t rd32(const void *p) { uint32_t v; memcpy(&v, p, 4); return ntohl(v); }
static uint64_t rd64(const void *p)
{
	return ((uint64_t)rd32(p) << 32) | rd32((const unsigned char *)p + 4);
}

static void hexdump(const unsigned char *p, int n, int max)
{
	int i;
	for (i = 0; i < n && i < max; i++)
		printf("%02x", p[i]);
	if (n > max)
		printf("...(%d bytes)", n);
}

/* ---- message building ---- */
struct msgbuf {
	unsigned char b[8192];
	struct nlmsghdr *nlh;
};

static struct nlmsghdr *msg_start(struct msgbuf *m, uint16_t type, uint16_t flags,
				  uint8_t family, uint16_t res_id)
{
	struct nfgenmsg *nfg;
	memset(m->b, 0, sizeof(m->b));
	m->nlh = (struct nlmsghdr *)m->b;
	m->nlh->nlmsg_len = NLMSG_LENGTH(sizeof(struct nfgenmsg));
	m->nlh->nlmsg_type = type;
	m->nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	m->nlh->nlmsg_seq = ++g_seq;
	m->nlh->nlmsg_pid = 0;
	nfg = NLMSG_DATA(m->nlh);
	nfg->nfgen_family = family;
	nfg->version = NFNETLINK_V0;
	nfg->res_id = htons(res_id);
	return m->nlh;
}

static struct nlattr *attr_put(struct msgbuf *m, uint16_t type, const void *data, int len)
{
	struct nlattr *a = (struct nlattr *)(m->b + NLMSG_ALIGN(m->nlh->nlmsg_len));
	a->nla_type = type;
	a->nla_len = NLA_HDRLEN + len;
	if (len)
		memcpy(NLA_DATA(a), data, len);
	m->nlh->nlmsg_len = NLMSG_ALIGN(m->nlh->nlmsg_len) + NLA_ALIGN(a->nla_len);
	return a;
}

static void attr_put_be32(struct msgbuf *m, uint16_t type, uint32_t v)
{
	v = htonl(v);
	attr_put(m, type, &v, 4);
}

static struct nlattr *nest_start(struct msgbuf *m, uint16_t type)
{
	return attr_put(m, type | NLA_F_NESTED, NULL, 0);
}

static void nest_end(struct msgbuf *m, struct nlattr *a)
{
	a->nla_len = (unsigned char *)m->b + m->nlh->nlmsg_len - (unsigned char *)a;
}

static void print_nlh(const char *dir, const struct nlmsghdr *nlh)
{
	printf("%s nlmsghdr len=%u type=0x%04x flags=0x%04x seq=%u pid=%u", dir, nlh->nlmsg_len,
	       nlh->nlmsg_type, nlh->nlmsg_flags, nlh->nlmsg_seq, nlh->nlmsg_pid);
	if (nlh->nlmsg_type >= NLMSG_MIN_TYPE && nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct nfgenmsg))) {
		const struct nfgenmsg *g = NLMSG_DATA(nlh);
		printf(" | nfgenmsg family=%u version=%u res_id=%u", g->nfgen_family, g->version,
		       ntohs(g->res_id));
	}
	printf("\n");
}

static int send_msg(int fd, struct msgbuf *m, const char *what)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	printf("-> %s\n", what);
	print_nlh("   sent", m->nlh);
	if (sendto(fd, m->b, m->nlh->nlmsg_len, 0, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		printf("   sendto failed: %s\n", strerror(errno));
		return -1;
	}
	return 0;
}

/* prints an NLMSG_ERROR; returns the error code (0 = ACK) */
static int print_error(const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = NLMSG_DATA(nlh);
	printf("<- %s seq=%u error=%d%s%s (echoed type 0x%04x seq %u)\n",
	       e->error ? "NLMSG_ERROR" : "ACK", nlh->nlmsg_seq, e->error,
	       e->error ? " " : "", e->error ? strerror(-e->error) : "", e->msg.nlmsg_type,
	       e->msg.nlmsg_seq);
	return e->error;
}

/* waits for the NLMSG_ERROR answering seq (other messages are handed to cb) */
typedef void (*msg_cb)(int fd, const struct nlmsghdr *nlh);
static int wait_ack(int fd, uint32_t seq, msg_cb cb)
{
	static unsigned char rb[65536];
	for (int tries = 0; tries < 50; tries++) {
		int n = recv(fd, rb, sizeof(rb), 0);
		if (n < 0) {
			printf("   recv failed: %s\n", strerror(errno));
			return -errno;
		}
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)rb; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				print_nlh("   recv", nlh);
				int err = print_error(nlh);
				if (nlh->nlmsg_seq == seq)
					return err;
			} else if (cb) {
				cb(fd, nlh);
			}
		}
	}
	return -ETIMEDOUT;
}

/* ---- ctnetlink attribute printing (the NFQA_CT / NFULA_CT nest) ---- */
struct aname { int type; const char *name; const struct aname *nest; char kind; };
/* kind: 'n' nest, '4' be32, '2' be16, '1' u8, '8' be64, 's' string, 'a' IPv4, '6' IPv6, 'x' hex */
static const struct aname cta_ip[] = {
	{1, "CTA_IP_V4_SRC", 0, 'a'}, {2, "CTA_IP_V4_DST", 0, 'a'},
	{3, "CTA_IP_V6_SRC", 0, '6'}, {4, "CTA_IP_V6_DST", 0, '6'}, {0}};
static const struct aname cta_proto[] = {
	{1, "CTA_PROTO_NUM", 0, '1'}, {2, "CTA_PROTO_SRC_PORT", 0, '2'},
	{3, "CTA_PROTO_DST_PORT", 0, '2'}, {4, "CTA_PROTO_ICMP_ID", 0, '2'},
	{5, "CTA_PROTO_ICMP_TYPE", 0, '1'}, {6, "CTA_PROTO_ICMP_CODE", 0, '1'},
	{7, "CTA_PROTO_ICMPV6_ID", 0, '2'}, {8, "CTA_PROTO_ICMPV6_TYPE", 0, '1'},
	{9, "CTA_PROTO_ICMPV6_CODE", 0, '1'}, {0}};
static const struct aname cta_tuple[] = {
	{1, "CTA_TUPLE_IP", cta_ip, 'n'}, {2, "CTA_TUPLE_PROTO", cta_proto, 'n'},
	{3, "CTA_TUPLE_ZONE", 0, '2'}, {0}};
static const struct aname cta_tcp[] = {
	{1, "CTA_PROTOINFO_TCP_STATE", 0, '1'}, {2, "CTA_PROTOINFO_TCP_WSCALE_ORIGINAL", 0, '1'},
	{3, "CTA_PROTOINFO_TCP_WSCALE_REPLY", 0, '1'}, {4, "CTA_PROTOINFO_TCP_FLAGS_ORIGINAL", 0, 'x'},
	{5, "CTA_PROTOINFO_TCP_FLAGS_REPLY", 0, 'x'}, {0}};
static const struct aname cta_sctp[] = {
	{1, "CTA_PROTOINFO_SCTP_STATE", 0, '1'}, {2, "CTA_PROTOINFO_SCTP_VTAG_ORIGINAL", 0, '4'},
	{3, "CTA_PROTOINFO_SCTP_VTAG_REPLY", 0, '4'}, {0}};
static const struct aname cta_protoinfo[] = {
	{1, "CTA_PROTOINFO_TCP", cta_tcp, 'n'}, {2, "CTA_PROTOINFO_DCCP", 0, 'x'},
	{3, "CTA_PROTOINFO_SCTP", cta_sctp, 'n'}, {0}};
static const struct aname cta_help[] = {
	{1, "CTA_HELP_NAME", 0, 's'}, {2, "CTA_HELP_INFO", 0, 'x'}, {0}};
static const struct aname cta_counters[] = {
	{1, "CTA_COUNTERS_PACKETS", 0, '8'}, {2, "CTA_COUNTERS_BYTES", 0, '8'},
	{3, "CTA_COUNTERS32_PACKETS", 0, '4'}, {4, "CTA_COUNTERS32_BYTES", 0, '4'},
	{5, "CTA_COUNTERS_PAD", 0, 'x'}, {0}};
static const struct aname cta_ts[] = {
	{1, "CTA_TIMESTAMP_START", 0, '8'}, {2, "CTA_TIMESTAMP_STOP", 0, '8'},
	{3, "CTA_TIMESTAMP_PAD", 0, 'x'}, {0}};
static const struct aname cta_seqadj[] = {
	{1, "CTA_SEQADJ_CORRECTION_POS", 0, '4'}, {2, "CTA_SEQADJ_OFFSET_BEFORE", 0, '4'},
	{3, "CTA_SEQADJ_OFFSET_AFTER", 0, '4'}, {0}};
static const struct aname cta_secctx[] = {{1, "CTA_SECCTX_NAME", 0, 's'}, {0}};
static const struct aname cta_top[] = {
	{1, "CTA_TUPLE_ORIG", cta_tuple, 'n'}, {2, "CTA_TUPLE_REPLY", cta_tuple, 'n'},
	{3, "CTA_STATUS", 0, '4'}, {4, "CTA_PROTOINFO", cta_protoinfo, 'n'},
	{5, "CTA_HELP", cta_help, 'n'}, {6, "CTA_NAT_SRC", 0, 'x'}, {7, "CTA_TIMEOUT", 0, '4'},
	{8, "CTA_MARK", 0, '4'}, {9, "CTA_COUNTERS_ORIG", cta_counters, 'n'},
	{10, "CTA_COUNTERS_REPLY", cta_counters, 'n'}, {11, "CTA_USE", 0, '4'},
	{12, "CTA_ID", 0, '4'}, {13, "CTA_NAT_DST", 0, 'x'},
	{14, "CTA_TUPLE_MASTER", cta_tuple, 'n'}, {15, "CTA_SEQ_ADJ_ORIG", cta_seqadj, 'n'},
	{16, "CTA_SEQ_ADJ_REPLY", cta_seqadj, 'n'}, {17, "CTA_SECMARK", 0, '4'},
	{18, "CTA_ZONE", 0, '2'}, {19, "CTA_SECCTX", cta_secctx, 'n'},
	{20, "CTA_TIMESTAMP", cta_ts, 'n'}, {21, "CTA_MARK_MASK", 0, '4'},
	{22, "CTA_LABELS", 0, 'x'}, {23, "CTA_LABELS_MASK", 0, 'x'}, {24, "CTA_SYNPROXY", 0, 'x'},
	{0}};
/* CTA_EXPECT_* (NFQA_EXP) */
static const struct aname cta_exp_top[] = {
	{1, "CTA_EXPECT_MASTER", cta_tuple, 'n'}, {2, "CTA_EXPECT_TUPLE", cta_tuple, 'n'},
	{3, "CTA_EXPECT_MASK", cta_tuple, 'n'}, {4, "CTA_EXPECT_TIMEOUT", 0, '4'},
	{5, "CTA_EXPECT_ID", 0, '4'}, {6, "CTA_EXPECT_HELP_NAME", 0, 's'},
	{7, "CTA_EXPECT_ZONE", 0, '2'}, {8, "CTA_EXPECT_FLAGS", 0, '4'},
	{9, "CTA_EXPECT_CLASS", 0, '4'}, {10, "CTA_EXPECT_NAT", 0, 'x'},
	{11, "CTA_EXPECT_FN", 0, 's'}, {0}};

static const char *tcp_states[] = {"NONE", "SYN_SENT", "SYN_RECV", "ESTABLISHED", "FIN_WAIT",
	"CLOSE_WAIT", "LAST_ACK", "TIME_WAIT", "CLOSE", "SYN_SENT2"};

static void print_status_bits(uint32_t s)
{
	static const char *bits[] = {"EXPECTED", "SEEN_REPLY", "ASSURED", "CONFIRMED", "SRC_NAT",
		"DST_NAT", "SEQ_ADJUST", "SRC_NAT_DONE", "DST_NAT_DONE", "DYING", "FIXED_TIMEOUT",
		"TEMPLATE", "NAT_CLASH", "HELPER", "OFFLOAD", "HW_OFFLOAD"};
	const char *sep = " (";
	for (int i = 0; i < 16; i++)
		if (s & (1u << i)) {
			printf("%s%s", sep, bits[i]);
			sep = "|";
		}
	if (sep[0] == '|')
		printf(")");
}

static void print_attrs(const unsigned char *p, int len, const struct aname *tab, int depth)
{
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len) {
			printf("%*s!! bad attribute length %u (left %d)\n", depth * 2, "", a->nla_len, len);
			return;
		}
		int t = NLA_TYPE(a), n = NLA_PLEN(a);
		const unsigned char *d = NLA_DATA(a);
		const struct aname *an = NULL;
		for (const struct aname *x = tab; x && x->name; x++)
			if (x->type == t)
				an = x;
		printf("%*s[type %d%s%s len %u] %s", depth * 2, "", t,
		       (a->nla_type & NLA_F_NESTED) ? " NESTED" : "",
		       (a->nla_type & NLA_F_NET_BYTEORDER) ? " NET_BYTEORDER" : "", a->nla_len,
		       an ? an->name : "?");
		char kind = an ? an->kind : 'x';
		char ab[INET6_ADDRSTRLEN];
		switch (kind) {
		case 'n':
			printf("\n");
			print_attrs(d, n, an->nest, depth + 1);
			break;
		case '4':
			if (n == 4) {
				uint32_t v = rd32(d);
				printf(" = %u (0x%x)", v, v);
				if (tab == cta_top && t == 3)
					print_status_bits(v);
				printf("\n");
			} else { printf(" = "); hexdump(d, n, 64); printf("\n"); }
			break;
		case '2':
			if (n == 2) printf(" = %u\n", rd16(d));
			else { printf(" = "); hexdump(d, n, 64); printf("\n"); }
			break;
		case '1':
			if (n == 1) {
				printf(" = %u", d[0]);
				if (tab == cta_tcp && t == 1 && d[0] < 10)
					printf(" (%s)", tcp_states[d[0]]);
				printf("\n");
			} else { printf(" = "); hexdump(d, n, 64); printf("\n"); }
			break;
		case '8':
			if (n == 8) printf(" = %llu\n", (unsigned long long)rd64(d));
			else { printf(" = "); hexdump(d, n, 64); printf("\n"); }
			break;
		case 's':
			printf(" = \"%.*s\"", n, (const char *)d);
			printf(" (raw "); hexdump(d, n, 64); printf(")\n");
			break;
		case 'a':
			printf(" = %s\n", n == 4 ? inet_ntop(AF_INET, d, ab, sizeof(ab)) : "?");
			break;
		case '6':
			printf(" = %s\n", n == 16 ? inet_ntop(AF_INET6, d, ab, sizeof(ab)) : "?");
			break;
		default:
			printf(" = "); hexdump(d, n, 64); printf("\n");
		}
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
	if (len)
		printf("%*s!! %d trailing bytes\n", depth * 2, "", len);
}

static const char *ctinfo_name(uint32_t v)
{
	switch (v) {
	case 0: return "IP_CT_ESTABLISHED";
	case 1: return "IP_CT_RELATED";
	case 2: return "IP_CT_NEW";
	case 3: return "IP_CT_ESTABLISHED_REPLY";
	case 4: return "IP_CT_RELATED_REPLY";
	default: return "?";
	}
}

static const char *hook_name(int h)
{
	static const char *n[] = {"PRE_ROUTING", "LOCAL_IN", "FORWARD", "LOCAL_OUT", "POST_ROUTING"};
	return h >= 0 && h < 5 ? n[h] : "?";
}

/* one-line summary of the IP header at the start of a payload */
static void print_ip_summary(const unsigned char *d, int n)
{
	char s[INET6_ADDRSTRLEN], t[INET6_ADDRSTRLEN];
	if (n >= 20 && (d[0] >> 4) == 4) {
		int ihl = (d[0] & 15) * 4, proto = d[9];
		printf("IPv4 %s -> %s proto %d totlen %u", inet_ntop(AF_INET, d + 12, s, sizeof(s)),
		       inet_ntop(AF_INET, d + 16, t, sizeof(t)), proto, rd16(d + 2));
		if ((proto == 6 || proto == 17) && n >= ihl + 4)
			printf(" sport %u dport %u", rd16(d + ihl), rd16(d + ihl + 2));
		if (proto == 6 && n >= ihl + 14)
			printf(" tcpflags 0x%02x", d[ihl + 13]);
		if (proto == 1 && n >= ihl + 8)
			printf(" icmp type %u code %u id %u seq %u", d[ihl], d[ihl + 1], rd16(d + ihl + 4),
			       rd16(d + ihl + 6));
	} else if (n >= 40 && (d[0] >> 4) == 6) {
		int nh = d[6];
		printf("IPv6 %s -> %s nexthdr %d paylen %u", inet_ntop(AF_INET6, d + 8, s, sizeof(s)),
		       inet_ntop(AF_INET6, d + 24, t, sizeof(t)), nh, rd16(d + 4));
		if (nh == 58 && n >= 48)
			printf(" icmpv6 type %u code %u id %u seq %u", d[40], d[41], rd16(d + 44), rd16(d + 46));
		if ((nh == 6 || nh == 17) && n >= 44)
			printf(" sport %u dport %u", rd16(d + 40), rd16(d + 42));
	} else {
		printf("(not an IP header)");
	}
}
#endif
