/* nfq_ct.c - NFQUEUE listener with conntrack (NFQA_CFG_F_CONNTRACK), plain netlink socket,
 * hand-built messages. Written for the nfct-decode recordings (nlmon VM, 6.1 kernel).
 *
 *   nfq_ct [-q QUEUE] [-n MAXPKTS] [-i IDLE_SECS] [-r READY_FILE] [-C]
 *   (-C: without NFQA_CFG_F_CONNTRACK, for kernels that refuse it)
 *
 * Config (each request with NLM_F_ACK, the ACK/error printed):
 *   PF_UNBIND AF_INET, PF_BIND AF_INET (legacy, no-ops since 3.8), BIND queue,
 *   PARAMS copy_range 48 / COPY_PACKET + QUEUE_MAXLEN 64, FLAGS 0x100 (refused: EOPNOTSUPP),
 *   FLAGS/MASK CONNTRACK|GSO|UID_GID.
 * Verdicts, by arrival order k of the queued packets:
 *   k=1          NFQNL_MSG_VERDICT NF_ACCEPT
 *   k=2          NFQNL_MSG_VERDICT NF_ACCEPT + NFQA_CT { CTA_MARK 0x2a } (NLM_F_ACK)
 *   k=3,4,5      held, then one NFQNL_MSG_VERDICT_BATCH NF_ACCEPT id=<id of k=5> + NFQA_MARK 0x7
 *                (sent early if no packet arrives for 1.5 s while some are held)
 *   k=7          NFQNL_MSG_VERDICT NF_DROP
 *   first TCP SYN (IPv4): NF_ACCEPT + NFQA_CT { CTA_MARK 0x99 } + NFQA_EXP { expectation
 *                127.0.0.1 -> 127.0.0.1:9000 } (NLM_F_ACK), whatever its k
 *   others       NFQNL_MSG_VERDICT NF_ACCEPT + NFQA_MARK 0x1 on k=6, plain accept on the rest
 * Ends after MAXPKTS packets or IDLE_SECS without traffic, SIGTERM or SIGINT; then UNBIND.
 */
#include "nlprint.h"
#include <linux/netfilter.h>
#include <linux/netfilter/nfnetlink_queue.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static int fd;
static int queue_num = 0;
static int npkt;               /* packets received */
static uint32_t held[8];
static int nheld;
static double held_since;
static int exp_sent;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cfg_cmd(uint8_t cmd, uint16_t pf, uint16_t qnum, const char *what)
{
	struct msgbuf m;
	struct nfqnl_msg_config_cmd c = { .command = cmd, .pf = htons(pf) };
	msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC, qnum);
	attr_put(&m, NFQA_CFG_CMD, &c, sizeof(c));
	send_msg(fd, &m, what);
	return wait_ack(fd, m.nlh->nlmsg_seq, NULL);
}

static const char *verdict_name(uint32_t v)
{
	switch (v) {
	case NF_DROP: return "NF_DROP";
	case NF_ACCEPT: return "NF_ACCEPT";
	case NF_REPEAT: return "NF_REPEAT";
	default: return "?";
	}
}

static void verdict(uint32_t id, uint32_t v, int set_ctmark, int skbmark, int ack)
{
	struct msgbuf m;
	char what[200];
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(v), .id = htonl(id) };
	msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT, ack ? NLM_F_ACK : 0, AF_UNSPEC,
		  queue_num);
	attr_put(&m, NFQA_VERDICT_HDR, &vh, sizeof(vh));
	if (skbmark >= 0)
		attr_put_be32(&m, NFQA_MARK, skbmark);
	if (set_ctmark >= 0) {
		struct nlattr *n = nest_start(&m, NFQA_CT);
		attr_put_be32(&m, 8 /* CTA_MARK */, set_ctmark);
		nest_end(&m, n);
	}
	snprintf(what, sizeof(what), "NFQNL_MSG_VERDICT id=%u verdict=%s%s%s", id, verdict_name(v),
		 set_ctmark >= 0 ? " + NFQA_CT{CTA_MARK=0x2a}" : "",
		 skbmark >= 0 ? " + NFQA_MARK" : "");
	if (skbmark >= 0)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), "=0x%x", skbmark);
	if (ack)
		strncat(what, " (NLM_F_ACK)", sizeof(what) - strlen(what) - 1);
	send_msg(fd, &m, what);
}

/* verdict NF_ACCEPT + NFQA_CT { CTA_MARK 0x99 } + NFQA_EXP { expectation 127.0.0.1 -> 127.0.0.1:9000
 * tcp, masks all-ones but source port 0 } (NLM_F_ACK). The kernel attaches the expectation
 * to the packet's conntrack (needs a helper on it) and ignores errors of that step. */
static void put_tuple(struct msgbuf *m, uint16_t type, uint32_t src, uint32_t dst, uint16_t sport,
		      uint16_t dport)
{
	struct nlattr *t = nest_start(m, type), *ip, *pr;
	uint8_t proto = 6;
	ip = nest_start(m, 1 /* CTA_TUPLE_IP */);
	attr_put(m, 1 /* CTA_IP_V4_SRC */, &src, 4);
	attr_put(m, 2 /* CTA_IP_V4_DST */, &dst, 4);
	nest_end(m, ip);
	pr = nest_start(m, 2 /* CTA_TUPLE_PROTO */);
	attr_put(m, 1 /* CTA_PROTO_NUM */, &proto, 1);
	sport = htons(sport);
	dport = htons(dport);
	attr_put(m, 2 /* CTA_PROTO_SRC_PORT */, &sport, 2);
	attr_put(m, 3 /* CTA_PROTO_DST_PORT */, &dport, 2);
	nest_end(m, pr);
	nest_end(m, t);
}

static void verdict_exp(uint32_t id)
{
	struct msgbuf m;
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(NF_ACCEPT), .id = htonl(id) };
	uint32_t lo = htonl(0x7f000001), ones = 0xffffffff;
	msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT, NLM_F_ACK, AF_UNSPEC, queue_num);
	attr_put(&m, NFQA_VERDICT_HDR, &vh, sizeof(vh));
	struct nlattr *n = nest_start(&m, NFQA_CT);
	attr_put_be32(&m, 8 /* CTA_MARK */, 0x99);
	nest_end(&m, n);
	n = nest_start(&m, NFQA_EXP);
	put_tuple(&m, 2 /* CTA_EXPECT_TUPLE */, lo, lo, 0, 9000);
	put_tuple(&m, 3 /* CTA_EXPECT_MASK */, ones, ones, 0, 0xffff);
	attr_put_be32(&m, 4 /* CTA_EXPECT_TIMEOUT */, 60);
	nest_end(&m, n);
	char what[300];
	snprintf(what, sizeof(what), "NFQNL_MSG_VERDICT id=%u verdict=NF_ACCEPT + NFQA_CT{CTA_MARK=0x99} + NFQA_EXP{CTA_EXPECT_TUPLE 127.0.0.1:0 -> 127.0.0.1:9000 tcp, CTA_EXPECT_MASK 255.255.255.255 -> 255.255.255.255 sport 0 dport 0xffff, CTA_EXPECT_TIMEOUT 60} (NLM_F_ACK)", id);
	send_msg(fd, &m, what);
}

static void batch_verdict(void)
{
	struct msgbuf m;
	char what[200];
	uint32_t maxid = 0;
	for (int i = 0; i < nheld; i++)
		if (held[i] > maxid)
			maxid = held[i];
	struct nfqnl_msg_verdict_hdr vh = { .verdict = htonl(NF_ACCEPT), .id = htonl(maxid) };
	msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_VERDICT_BATCH, 0, AF_UNSPEC, queue_num);
	attr_put(&m, NFQA_VERDICT_HDR, &vh, sizeof(vh));
	attr_put_be32(&m, NFQA_MARK, 7);
	snprintf(what, sizeof(what), "NFQNL_MSG_VERDICT_BATCH id=%u verdict=NF_ACCEPT + NFQA_MARK=0x7 (releases %d held packets:",
		 maxid, nheld);
	for (int i = 0; i < nheld; i++)
		snprintf(what + strlen(what), sizeof(what) - strlen(what), " %u", held[i]);
	strncat(what, ")", sizeof(what) - strlen(what) - 1);
	send_msg(fd, &m, what);
	nheld = 0;
}

static void handle_packet(const struct nlmsghdr *nlh)
{
	const unsigned char *p = (const unsigned char *)NLMSG_DATA(nlh) + sizeof(struct nfgenmsg);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
	uint32_t id = 0;
	int is_syn = 0;
	npkt++;
	printf("<- packet k=%d\n", npkt);
	print_nlh("   recv", nlh);
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int t = NLA_TYPE(a), n = NLA_PLEN(a);
		const unsigned char *d = NLA_DATA(a);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		printf("   [type %d%s len %u] ", t, (a->nla_type & NLA_F_NESTED) ? " NESTED" : "", a->nla_len);
		switch (t) {
		case NFQA_PACKET_HDR: {
			const struct nfqnl_msg_packet_hdr *h = (const void *)d;
			id = ntohl(h->packet_id);
			printf("NFQA_PACKET_HDR packet_id=%u hw_protocol=0x%04x hook=%u (%s)\n", id,
			       ntohs(h->hw_protocol), h->hook, hook_name(h->hook));
			break;
		}
		case NFQA_MARK: printf("NFQA_MARK = 0x%x\n", rd32(d)); break;
		case NFQA_TIMESTAMP: printf("NFQA_TIMESTAMP sec=%llu usec=%llu\n",
					    (unsigned long long)rd64(d), (unsigned long long)rd64(d + 8)); break;
		case NFQA_IFINDEX_INDEV: printf("NFQA_IFINDEX_INDEV = %u\n", rd32(d)); break;
		case NFQA_IFINDEX_OUTDEV: printf("NFQA_IFINDEX_OUTDEV = %u\n", rd32(d)); break;
		case NFQA_IFINDEX_PHYSINDEV: printf("NFQA_IFINDEX_PHYSINDEV = %u\n", rd32(d)); break;
		case NFQA_IFINDEX_PHYSOUTDEV: printf("NFQA_IFINDEX_PHYSOUTDEV = %u\n", rd32(d)); break;
		case NFQA_HWADDR: printf("NFQA_HWADDR addrlen=%u addr=", rd16(d)); hexdump(d + 4, n - 4, 8); printf("\n"); break;
		case NFQA_PAYLOAD:
			if (n >= 34 && (d[0] >> 4) == 4 && d[9] == 6 && (d[(d[0] & 15) * 4 + 13] & 0x12) == 0x02)
				is_syn = 1;
			printf("NFQA_PAYLOAD %d bytes: ", n); print_ip_summary(d, n);
			printf("\n      hex: "); hexdump(d, n, 64); printf("\n");
			break;
		case NFQA_CT:
			printf("NFQA_CT\n");
			print_attrs(d, n, cta_top, 3);
			break;
		case NFQA_CT_INFO: printf("NFQA_CT_INFO = %u (%s)\n", rd32(d), ctinfo_name(rd32(d))); break;
		case NFQA_CAP_LEN: printf("NFQA_CAP_LEN = %u (original packet length)\n", rd32(d)); break;
		case NFQA_SKB_INFO: {
			uint32_t v = rd32(d);
			printf("NFQA_SKB_INFO = 0x%x%s%s%s\n", v, v & NFQA_SKB_CSUMNOTREADY ? " CSUMNOTREADY" : "",
			       v & NFQA_SKB_GSO ? " GSO" : "", v & NFQA_SKB_CSUM_NOTVERIFIED ? " CSUM_NOTVERIFIED" : "");
			break;
		}
		case NFQA_EXP:
			printf("NFQA_EXP\n");
			print_attrs(d, n, cta_exp_top, 3);
			break;
		case NFQA_UID: printf("NFQA_UID = %u\n", rd32(d)); break;
		case NFQA_GID: printf("NFQA_GID = %u\n", rd32(d)); break;
		case NFQA_SECCTX: printf("NFQA_SECCTX = \"%.*s\"\n", n, d); break;
		default: printf("attr %d = ", t); hexdump(d, n, 64); printf("\n");
		}
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
	if (is_syn && !exp_sent) {
		exp_sent = 1;
		verdict_exp(id);
		return;
	}
	switch (npkt) {
	case 1: verdict(id, NF_ACCEPT, -1, -1, 0); break;
	case 2: verdict(id, NF_ACCEPT, 0x2a, -1, 1); break;
	case 3: case 4: case 5:
		printf("   (held for the batch verdict)\n");
		if (nheld == 0)
			held_since = now();
		held[nheld++] = id;
		if (npkt == 5)
			batch_verdict();
		break;
	case 6: verdict(id, NF_ACCEPT, -1, 1, 0); break;
	case 7: verdict(id, NF_DROP, -1, -1, 0); break;
	default: verdict(id, NF_ACCEPT, -1, -1, 0);
	}
}

int main(int argc, char **argv)
{
	int maxpkts = 40, idle = 4, opt, noct = 0;
	const char *ready = NULL;
	static unsigned char rb[65536];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);

	while ((opt = getopt(argc, argv, "q:n:i:r:C")) != -1) {
		switch (opt) {
		case 'q': queue_num = atoi(optarg); break;
		case 'n': maxpkts = atoi(optarg); break;
		case 'i': idle = atoi(optarg); break;
		case 'r': ready = optarg; break;
		case 'C': noct = 1; break;
		default: fprintf(stderr, "usage: nfq_ct [-q queue] [-n maxpkts] [-i idle] [-r readyfile]\n"); return 2;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGTERM, on_sig);
	signal(SIGINT, on_sig);
	fd = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		perror("socket/bind");
		return 1;
	}
	getsockname(fd, (struct sockaddr *)&sa, &sl);
	int rcvbuf = 1 << 20;
	setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	printf("nfq_ct: NETLINK_NETFILTER socket bound, portid %u, queue %d\n", sa.nl_pid, queue_num);

	cfg_cmd(NFQNL_CFG_CMD_PF_UNBIND, AF_INET, 0, "NFQNL_MSG_CONFIG NFQA_CFG_CMD PF_UNBIND pf=AF_INET");
	cfg_cmd(NFQNL_CFG_CMD_PF_BIND, AF_INET, 0, "NFQNL_MSG_CONFIG NFQA_CFG_CMD PF_BIND pf=AF_INET");
	if (cfg_cmd(NFQNL_CFG_CMD_BIND, AF_UNSPEC, queue_num, "NFQNL_MSG_CONFIG NFQA_CFG_CMD BIND") != 0) {
		printf("nfq_ct: bind failed\n");
		return 1;
	}
	{
		struct msgbuf m;
		struct nfqnl_msg_config_params pr = { .copy_range = htonl(48), .copy_mode = NFQNL_COPY_PACKET };
		msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC, queue_num);
		attr_put(&m, NFQA_CFG_PARAMS, &pr, sizeof(pr));
		attr_put_be32(&m, NFQA_CFG_QUEUE_MAXLEN, 64);
		send_msg(fd, &m, "NFQNL_MSG_CONFIG NFQA_CFG_PARAMS copy_range=48 copy_mode=NFQNL_COPY_PACKET + NFQA_CFG_QUEUE_MAXLEN=64");
		wait_ack(fd, m.nlh->nlmsg_seq, NULL);

		msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC, queue_num);
		attr_put_be32(&m, NFQA_CFG_MASK, 0x100);
		attr_put_be32(&m, NFQA_CFG_FLAGS, 0x100);
		send_msg(fd, &m, "NFQNL_MSG_CONFIG NFQA_CFG_MASK=0x100 NFQA_CFG_FLAGS=0x100 (unknown flag: expect EOPNOTSUPP)");
		wait_ack(fd, m.nlh->nlmsg_seq, NULL);

		uint32_t fl = (noct ? 0 : NFQA_CFG_F_CONNTRACK) | NFQA_CFG_F_GSO | NFQA_CFG_F_UID_GID;
		msg_start(&m, (NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC, queue_num);
		attr_put_be32(&m, NFQA_CFG_MASK, fl);
		attr_put_be32(&m, NFQA_CFG_FLAGS, fl);
		send_msg(fd, &m, noct ? "NFQNL_MSG_CONFIG NFQA_CFG_MASK=NFQA_CFG_FLAGS=0xc (GSO|UID_GID)" : "NFQNL_MSG_CONFIG NFQA_CFG_MASK=NFQA_CFG_FLAGS=0xe (CONNTRACK|GSO|UID_GID)");
		if (wait_ack(fd, m.nlh->nlmsg_seq, NULL) != 0)
			printf("nfq_ct: conntrack flag refused\n");
	}
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	printf("nfq_ct: ready, waiting for packets\n");

	double last = now();
	while (!stop && npkt < maxpkts) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, 250);
		if (r < 0 && errno == EINTR)
			continue;
		if (nheld && now() - held_since > 1.5) {
			printf("   (no more packets for 1.5 s while %d held)\n", nheld);
			batch_verdict();
		}
		if (r <= 0) {
			if (now() - last > idle) {
				printf("nfq_ct: idle for %d s, stopping\n", idle);
				break;
			}
			continue;
		}
		int n = recv(fd, rb, sizeof(rb), 0);
		if (n < 0) {
			printf("   recv failed: %s\n", strerror(errno));
			if (errno == ENOBUFS)
				continue;
			break;
		}
		last = now();
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)rb; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				print_nlh("   recv", nlh);
				print_error(nlh);
			} else if (nlh->nlmsg_type == ((NFNL_SUBSYS_QUEUE << 8) | NFQNL_MSG_PACKET)) {
				handle_packet(nlh);
			} else {
				print_nlh("   recv (other)", nlh);
			}
		}
	}
	if (nheld)
		batch_verdict();
	cfg_cmd(NFQNL_CFG_CMD_UNBIND, AF_UNSPEC, queue_num, "NFQNL_MSG_CONFIG NFQA_CFG_CMD UNBIND");
	printf("nfq_ct: %d packets, done\n", npkt);
	close(fd);
	return 0;
}
