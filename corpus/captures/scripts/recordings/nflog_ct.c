/* nflog_ct.c - NFLOG listener with conntrack (NFULNL_CFG_F_CONNTRACK), plain netlink socket,
 * hand-built messages. Written for the nfct-decode recordings (nlmon VM, 6.1 kernel).
 *
 *   nflog_ct [-g GROUP] [-n MAXPKTS] [-i IDLE_SECS] [-r READY_FILE] [-t QTHRESH] [-C]
 *   (-C: without NFULNL_CFG_F_CONNTRACK, for kernels that refuse it)
 *
 * Config (each request with NLM_F_ACK, the ACK/error printed):
 *   PF_UNBIND AF_INET, PF_BIND AF_INET (legacy no-ops), BIND group,
 *   a second BIND of the same group from a second socket (refused: EPERM),
 *   MODE copy_range 64 / COPY_PACKET, NLBUFSIZ 8192, TIMEOUT 50 (1/100 s), QTHRESH (default 3),
 *   FLAGS SEQ|SEQ_GLOBAL|CONNTRACK.
 * Prints every message it receives (batches of several NFULNL_MSG_PACKET with NLM_F_MULTI
 * and a closing NLMSG_DONE). Ends after MAXPKTS packets, IDLE_SECS without traffic, SIGTERM
 * or SIGINT; then UNBIND.
 */
#include "nlprint.h"
#include <linux/netfilter/nfnetlink_log.h>
#include <poll.h>
#include <signal.h>
#include <time.h>

static volatile sig_atomic_t stop;
static void on_sig(int s) { (void)s; stop = 1; }

static int fd;
static int group = 5;
static int npkt;

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cfg_cmd_fd(int s, uint8_t cmd, uint8_t family, uint16_t grp, const char *what)
{
	struct msgbuf m;
	struct nfulnl_msg_config_cmd c = { .command = cmd };
	msg_start(&m, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG, NLM_F_ACK, family, grp);
	attr_put(&m, NFULA_CFG_CMD, &c, sizeof(c));
	send_msg(s, &m, what);
	return wait_ack(s, m.nlh->nlmsg_seq, NULL);
}

static void handle_packet(const struct nlmsghdr *nlh)
{
	const unsigned char *p = (const unsigned char *)NLMSG_DATA(nlh) + sizeof(struct nfgenmsg);
	int len = nlh->nlmsg_len - NLMSG_LENGTH(sizeof(struct nfgenmsg));
	npkt++;
	printf("<- log message k=%d\n", npkt);
	print_nlh("   recv", nlh);
	while (len >= NLA_HDRLEN) {
		const struct nlattr *a = (const struct nlattr *)p;
		int t = NLA_TYPE(a), n = NLA_PLEN(a);
		const unsigned char *d = NLA_DATA(a);
		if (a->nla_len < NLA_HDRLEN || a->nla_len > len)
			break;
		printf("   [type %d%s len %u] ", t, (a->nla_type & NLA_F_NESTED) ? " NESTED" : "", a->nla_len);
		switch (t) {
		case NFULA_PACKET_HDR: {
			const struct nfulnl_msg_packet_hdr *h = (const void *)d;
			printf("NFULA_PACKET_HDR hw_protocol=0x%04x hook=%u (%s)\n", ntohs(h->hw_protocol),
			       h->hook, hook_name(h->hook));
			break;
		}
		case NFULA_MARK: printf("NFULA_MARK = 0x%x\n", rd32(d)); break;
		case NFULA_TIMESTAMP: printf("NFULA_TIMESTAMP sec=%llu usec=%llu\n",
					     (unsigned long long)rd64(d), (unsigned long long)rd64(d + 8)); break;
		case NFULA_IFINDEX_INDEV: printf("NFULA_IFINDEX_INDEV = %u\n", rd32(d)); break;
		case NFULA_IFINDEX_OUTDEV: printf("NFULA_IFINDEX_OUTDEV = %u\n", rd32(d)); break;
		case NFULA_IFINDEX_PHYSINDEV: printf("NFULA_IFINDEX_PHYSINDEV = %u\n", rd32(d)); break;
		case NFULA_IFINDEX_PHYSOUTDEV: printf("NFULA_IFINDEX_PHYSOUTDEV = %u\n", rd32(d)); break;
		case NFULA_HWADDR: printf("NFULA_HWADDR addrlen=%u addr=", rd16(d)); hexdump(d + 4, n - 4, 8); printf("\n"); break;
		case NFULA_PAYLOAD:
			printf("NFULA_PAYLOAD %d bytes: ", n); print_ip_summary(d, n);
			printf("\n      hex: "); hexdump(d, n, 64); printf("\n");
			break;
		case NFULA_PREFIX: printf("NFULA_PREFIX = \"%.*s\" (raw ", n, d); hexdump(d, n, 64); printf(")\n"); break;
		case NFULA_UID: printf("NFULA_UID = %u\n", rd32(d)); break;
		case NFULA_GID: printf("NFULA_GID = %u\n", rd32(d)); break;
		case NFULA_SEQ: printf("NFULA_SEQ = %u\n", rd32(d)); break;
		case NFULA_SEQ_GLOBAL: printf("NFULA_SEQ_GLOBAL = %u\n", rd32(d)); break;
		case NFULA_HWTYPE: printf("NFULA_HWTYPE = %u\n", rd16(d)); break;
		case NFULA_HWLEN: printf("NFULA_HWLEN = %u\n", rd16(d)); break;
		case NFULA_HWHEADER: printf("NFULA_HWHEADER = "); hexdump(d, n, 64); printf("\n"); break;
		case NFULA_CT:
			printf("NFULA_CT\n");
			print_attrs(d, n, cta_top, 3);
			break;
		case NFULA_CT_INFO: printf("NFULA_CT_INFO = %u (%s)\n", rd32(d), ctinfo_name(rd32(d))); break;
		default: printf("attr %d = ", t); hexdump(d, n, 64); printf("\n");
		}
		p += NLA_ALIGN(a->nla_len);
		len -= NLA_ALIGN(a->nla_len);
	}
}

int main(int argc, char **argv)
{
	int maxpkts = 40, idle = 4, opt, qthresh = 3, noct = 0;
	const char *ready = NULL;
	static unsigned char rb[65536];
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	socklen_t sl = sizeof(sa);

	while ((opt = getopt(argc, argv, "g:n:i:r:t:C")) != -1) {
		switch (opt) {
		case 'g': group = atoi(optarg); break;
		case 'n': maxpkts = atoi(optarg); break;
		case 'i': idle = atoi(optarg); break;
		case 'r': ready = optarg; break;
		case 't': qthresh = atoi(optarg); break;
		case 'C': noct = 1; break;
		default: fprintf(stderr, "usage: nflog_ct [-g group] [-n maxpkts] [-i idle] [-r readyfile] [-t qthresh]\n"); return 2;
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
	printf("nflog_ct: NETLINK_NETFILTER socket bound, portid %u, group %d\n", sa.nl_pid, group);

	cfg_cmd_fd(fd, NFULNL_CFG_CMD_PF_UNBIND, AF_INET, 0, "NFULNL_MSG_CONFIG NFULA_CFG_CMD PF_UNBIND family=AF_INET");
	cfg_cmd_fd(fd, NFULNL_CFG_CMD_PF_BIND, AF_INET, 0, "NFULNL_MSG_CONFIG NFULA_CFG_CMD PF_BIND family=AF_INET");
	if (cfg_cmd_fd(fd, NFULNL_CFG_CMD_BIND, AF_UNSPEC, group, "NFULNL_MSG_CONFIG NFULA_CFG_CMD BIND") != 0) {
		printf("nflog_ct: bind failed\n");
		return 1;
	}
	{
		/* a second socket trying to bind the same group: refused */
		int fd2 = socket(AF_NETLINK, SOCK_RAW, NETLINK_NETFILTER);
		struct sockaddr_nl sa2 = { .nl_family = AF_NETLINK };
		socklen_t sl2 = sizeof(sa2);
		if (fd2 >= 0 && bind(fd2, (struct sockaddr *)&sa2, sizeof(sa2)) == 0) {
			getsockname(fd2, (struct sockaddr *)&sa2, &sl2);
			printf("nflog_ct: second socket, portid %u\n", sa2.nl_pid);
			cfg_cmd_fd(fd2, NFULNL_CFG_CMD_BIND, AF_UNSPEC, group,
				   "NFULNL_MSG_CONFIG NFULA_CFG_CMD BIND (second socket, same group: expect EPERM)");
			close(fd2);
		}
	}
	{
		struct msgbuf m;
		struct nfulnl_msg_config_mode md = { .copy_range = htonl(64), .copy_mode = NFULNL_COPY_PACKET };
		uint16_t fl = htons(NFULNL_CFG_F_SEQ | NFULNL_CFG_F_SEQ_GLOBAL | (noct ? 0 : NFULNL_CFG_F_CONNTRACK));
		char what[200];
		msg_start(&m, (NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_CONFIG, NLM_F_ACK, AF_UNSPEC, group);
		attr_put(&m, NFULA_CFG_MODE, &md, sizeof(md));
		attr_put_be32(&m, NFULA_CFG_NLBUFSIZ, 8192);
		attr_put_be32(&m, NFULA_CFG_TIMEOUT, 50);
		attr_put_be32(&m, NFULA_CFG_QTHRESH, qthresh);
		attr_put(&m, NFULA_CFG_FLAGS, &fl, 2);
		snprintf(what, sizeof(what), "NFULNL_MSG_CONFIG NFULA_CFG_MODE copy_range=64 copy_mode=NFULNL_COPY_PACKET, "
			 "NLBUFSIZ=8192, TIMEOUT=50, QTHRESH=%d, FLAGS=%s", qthresh, noct ? "0x3 (SEQ|SEQ_GLOBAL)" : "0x7 (SEQ|SEQ_GLOBAL|CONNTRACK)");
		send_msg(fd, &m, what);
		if (wait_ack(fd, m.nlh->nlmsg_seq, NULL) != 0)
			printf("nflog_ct: config refused\n");
	}
	if (ready) {
		FILE *f = fopen(ready, "w");
		if (f)
			fclose(f);
	}
	printf("nflog_ct: ready, waiting for log messages\n");

	double last = now();
	while (!stop && npkt < maxpkts) {
		struct pollfd pfd = { .fd = fd, .events = POLLIN };
		int r = poll(&pfd, 1, 250);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			if (now() - last > idle) {
				printf("nflog_ct: idle for %d s, stopping\n", idle);
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
		printf("<- recv() returned %d bytes\n", n);
		for (struct nlmsghdr *nlh = (struct nlmsghdr *)rb; NLMSG_OK(nlh, n); nlh = NLMSG_NEXT(nlh, n)) {
			if (nlh->nlmsg_type == NLMSG_ERROR) {
				print_nlh("   recv", nlh);
				print_error(nlh);
			} else if (nlh->nlmsg_type == NLMSG_DONE) {
				print_nlh("   recv NLMSG_DONE", nlh);
			} else if (nlh->nlmsg_type == ((NFNL_SUBSYS_ULOG << 8) | NFULNL_MSG_PACKET)) {
				handle_packet(nlh);
			} else {
				print_nlh("   recv (other)", nlh);
			}
		}
	}
	cfg_cmd_fd(fd, NFULNL_CFG_CMD_UNBIND, AF_UNSPEC, group, "NFULNL_MSG_CONFIG NFULA_CFG_CMD UNBIND");
	printf("nflog_ct: %d log messages, done\n", npkt);
	close(fd);
	return 0;
}
