/* config.c — see config.h. */
#include "core/config.h"
#include "core/log.h"
#include "core/netaddr.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum key_type { K_STR, K_INT, K_SIZE, K_BOOL, K_LISTEN, K_OIDC };

struct key {
	const char *name;
	enum key_type type;
	size_t offset;
	const char *def;
	const char *help;
	long min, max; /* K_INT and K_SIZE bounds; both 0: K_INT 0..1024, K_SIZE any size */
};

#define OFF(f) offsetof(struct config, f)

/* Default paths (issue 15, packaging): the source tree's by default (make
 * run), the installed layout when built with make PREFIX=/usr (the Debian
 * package): PREFIX/share/epak/... and /var/lib/epak. */
#ifdef EPAK_PREFIX
#define DEF_SHARE(dev, inst) EPAK_PREFIX "/share/epak/" inst
#define DEF_DATA "/var/lib/epak"
#else
#define DEF_SHARE(dev, inst) dev
#define DEF_DATA "./var"
#endif

static const struct key keys[] = {
    {"listen", K_LISTEN, 0, "127.0.0.1:8080", "address to serve on, HOST:PORT (repeatable; [::1]:8080 for IPv6)", 0, 0},
    {"data", K_STR, OFF(data), DEF_DATA, "data folder: SQLite database, uploads, server secret", 0, 0},
    {"db", K_STR, OFF(db), "", "PostgreSQL URL (postgres://user@host/db); empty uses SQLite in the data folder", 0, 0},
    {"threads", K_INT, OFF(threads), "0", "event-loop threads; 0 = one per CPU core", 0, 0},
    {"pool-threads", K_INT, OFF(pool_threads), "8",
     "worker threads for work that waits on other hosts (time-stamps, OCSP, mail)", 0, 0},
    {"lang", K_STR, OFF(lang), "lv", "default language: lv or en", 0, 0},
    {"tls-cert", K_STR, OFF(tls_cert), "",
     "TLS certificate chain (PEM); with tls-key serves HTTPS (and HTTP/2 with http2)", 0, 0},
    {"tls-key", K_STR, OFF(tls_key), "", "TLS private key (PEM)", 0, 0},
    {"http2", K_BOOL, OFF(http2), "0",
     "offer HTTP/2 over TLS (h2o 2.2's HTTP/2 has no upstream fixes since 2018; terminate it at a proxy)", 0, 0},
    {"cache-size", K_SIZE, OFF(cache_size), "64M", "page cache: bytes of pages kept per event-loop thread", 0, 0},
    {"cache-max-page", K_SIZE, OFF(cache_max_page), "512k", "page cache: larger pages are not kept", 0, 0},
    {"templates", K_STR, OFF(templates), DEF_SHARE("./templates", "templates"), "folder of Mustache templates", 0, 0},
    {"static", K_STR, OFF(static_dir), DEF_SHARE("./static", "static"), "folder of static files served under /static/",
     0, 0},
    {"locale", K_STR, OFF(locale_dir), DEF_SHARE("./build/locale", "locale"),
     "folder of compiled translations (LANG/LC_MESSAGES/epak.mo)", 0, 0},
    {"search-data", K_STR, OFF(search_data), DEF_SHARE("./data/search", "search"),
     "folder of the search lexicon, synonyms and best bets (editable without a rebuild)", 0, 0},
    {"search-eval-queries", K_STR, OFF(search_eval_queries), "",
     "query sets the back office evaluates search on (query<TAB>ids<TAB>class files, comma-separated); empty: none", 0,
     0},
    {"search-zero-rows", K_INT, OFF(search_zero_rows), "10000",
     "distinct zero-result queries kept at most; new ones are not counted while full", 0, 10000000},
    {"search-zero-days", K_INT, OFF(search_zero_days), "90",
     "days a zero-result query is kept after it was last searched for", 1, 3650},
    {"limit-office-saves", K_INT, OFF(limit_office_saves), "300",
     "saves of services and institutions in the back office per staff account per hour (0: no limit)", 0, 1000000},
    {"limit-search-preview", K_INT, OFF(limit_search_preview), "20",
     "lexicon previews (each builds a whole search index) per administrator per hour", 1, 100000},
    {"fact-check-days", K_INT, OFF(fact_check_days), "365",
     "days after which a fact the pages state counts as not checked (listed in /birojs/parskats)", 1, 36500},
    {"catalog-max-bytes", K_SIZE, OFF(catalog_max_bytes), "4G",
     "memory the served catalog may take; a larger one is not served (the previous stays, the failure is logged)",
     1L << 20, 1L << 40},
    {"max-body", K_SIZE, OFF(max_body), "10M", "largest request body accepted (k, M, G suffixes)", 0, 0},
    {"max-header", K_SIZE, OFF(max_header), "16k", "largest total size of request headers", 0, 0},
    {"max-url", K_SIZE, OFF(max_url), "4k", "longest request target (path and query)", 0, 0},
    {"upload-spill", K_SIZE, OFF(upload_spill), "256k",
     "uploaded files larger than this are kept in a temp file, not memory", 0, 0},
    {"max-conns", K_INT, OFF(max_conns), "4096", "open connections, all together; more are closed when accepted", 16,
     1000000},
    {"max-conns-per-address", K_INT, OFF(max_conns_per_address), "32",
     "open connections from one client address (IPv6: one /64); more are closed when accepted; 0 = no cap "
     "(trusted-proxies and auth-cert-proxies are not capped)",
     0, 1000000},
    {"trusted-proxies", K_STR, OFF(trusted_proxies), "",
     "reverse proxies (IP addresses or networks, comma-separated) whose X-Forwarded-For names the client", 0, 0},
    {"auth-cert-proxies", K_STR, OFF(auth_cert_proxies), "",
     "reverse proxies (IP addresses or networks) that verify a TLS client certificate and pass it in X-Client-Cert; "
     "the header from any other address is refused",
     0, 0},
    {"tls-client-listen", K_STR, OFF(tls_client_listen), "",
     "HOST:PORT of a TLS listener (tls-cert, tls-key) that asks for a client certificate and serves only certificate "
     "login",
     0, 0},
    {"auth-cert-url", K_STR, OFF(auth_cert_url), "",
     "address the login page's certificate button leads to (behind a proxy: its certificate-asking server); empty: "
     "tls-client-listen's port on the site's host, or /pieteikties/karte with auth-cert-proxies",
     0, 0},
    {"dev", K_BOOL, OFF(dev), "0", "development mode: re-read templates when they change", 0, 0},
    {"log-level", K_STR, OFF(log_level), "info", "error, warn, info or debug", 0, 0},
    {"access-log", K_BOOL, OFF(access_log), "1", "one log line per request (method, path, status, bytes, microseconds)",
     0, 0},
    /* issue 15, sitemap: URLs per file of /sitemap.xml */
    {"sitemap-max-urls", K_INT, OFF(sitemap_max_urls), "50000",
     "URLs per sitemap file; past it /sitemap.xml becomes an index of /sitemap/N.xml (the protocol allows 50000)", 10,
     50000},
    /* issue 15, logs: the format of stderr lines */
    {"log-format", K_STR, OFF(log_format), "text",
     "text or json (one JSON object per line); text under systemd goes to the journal with structured fields", 0, 0},
    {"public-url", K_STR, OFF(public_url), "", "the portal's public address, e.g. https://epak.example.lv", 0, 0},
    {"trust", K_STR, OFF(trust), "",
     "certification authorities trusted for e-signatures: a PEM file, an ETSI TS 119 612 trusted list (XML, "
     "checked against trust-list-signer), or a folder of them (e.g. the EU list of lists and the member states' lists)",
     0, 0},
    {"trust-list-signer", K_STR, OFF(trust_list_signer), "",
     "PEM file of the certificate(s) a trusted list in trust must be signed with (the supervisory body's, or the EU "
     "list of lists' signer; member states' lists are then checked against the certificates it points to)",
     0, 0},
    {"tsa-url", K_STR, OFF(tsa_url), "", "RFC 3161 time-stamp service used when signing (profiles T and LT)", 0, 0},
    {"ocsp-url", K_STR, OFF(ocsp_url), "", "OCSP responder used when signing (LT); empty: the certificate's own", 0, 0},
    {"verify-max-unpacked", K_SIZE, OFF(verify_max_unpacked), "64M",
     "an uploaded signed document may unpack to at most this many bytes", 0, 0},
    {"verify-max-signatures", K_INT, OFF(verify_max_sigs), "50",
     "signatures checked in one uploaded document; more: not checked, not sent", 0, 0},
    {"verify-max-hashed", K_SIZE, OFF(verify_max_hashed), "128M",
     "bytes digested when checking one uploaded document; more: not checked, not sent", 0, 0},
    {"verify-timeout", K_INT, OFF(verify_timeout), "10",
     "seconds a worker may spend checking one uploaded document's signatures", 0, 0},
    {"sign-sessions-per-browser", K_INT, OFF(sign_sessions_per_browser), "3",
     "signing sessions one browser may have open at once", 0, 0},
    {"sign-sessions-bytes", K_SIZE, OFF(sign_sessions_bytes), "256M",
     "bytes all open signing sessions may hold together in the database", 0, 0},
    {"sign-purge-interval", K_INT, OFF(sign_purge_interval), "60",
     "seconds between removals of expired signing sessions (and reclaiming their space)", 0, 0},
    {"pool-max-bytes", K_SIZE, OFF(pool_max_bytes), "128M",
     "memory the worker pool's queued and running jobs may hold; more gets 503", 0, 0},
    {"sign-ca", K_STR, OFF(sign_ca), "",
     "PEM file of the intermediate CA certificates that issue signers' certificates (with trust)", 0, 0},
    {"auth-trust", K_STR, OFF(auth_trust), "",
     "PEM file of the certification authorities trusted for logging in with the eID card; empty: trust's", 0, 0},
    {"auth-ocsp-url", K_STR, OFF(auth_ocsp_url), "",
     "OCSP responder asked about eID login certificates; empty: the certificate's own (public addresses only)", 0, 0},
    {"auth-ocsp-timeout", K_INT, OFF(auth_ocsp_timeout), "5",
     "seconds an eID login waits for the OCSP responder (a good answer is then reused for 5 minutes)", 1, 60},
    {"limit-webeid-browser", K_INT, OFF(limit_webeid_browser), "20",
     "Web eID login challenges one browser may ask for per 10 minutes (0 = no limit)", 0, 100000},
    {"limit-webeid-network", K_INT, OFF(limit_webeid_network), "200",
     "Web eID login challenges asked from one network (/24 IPv4, /64 IPv6) per 10 minutes (0 = no limit)", 0, 1000000},
    {"mail-daily-bytes", K_SIZE, OFF(mail_daily_bytes), "2G",
     "bytes of mail the outbox takes per UTC day, all nodes together; over it senders are asked to try later (0 = "
     "no limit)",
     0, 0},
    {"submission-keep-days", K_INT, OFF(submission_keep_days), "365",
     "days a sent document's record (receipt, institution, size) is kept; 0 = for ever", 0, 0},
    {"confirm-minutes", K_INT, OFF(confirm_minutes), "30",
     "minutes a link confirming an e-mail address for a receipt stays usable", 0, 0},
    {"limit-confirm-address", K_INT, OFF(limit_confirm_address), "3",
     "confirmation mails to one e-mail address per UTC day (0 = no limit)", 0, 0},
    {"limit-confirm-network", K_INT, OFF(limit_confirm_network), "10",
     "confirmation mails asked from one network (/24 IPv4, /64 IPv6) per hour (0 = no limit)", 0, 0},
    {"limit-confirm-browser", K_INT, OFF(limit_confirm_browser), "5",
     "confirmation mails asked from one browser per hour (0 = no limit)", 0, 0},
    {"limit-send-network", K_INT, OFF(limit_send_network), "30",
     "documents sent to institutions from one network (/24 IPv4, /64 IPv6) per hour (0 = no limit)", 0, 0},
    {"feedback-comment-days", K_INT, OFF(feedback_comment_days), "365",
     "days the comments typed in feedback on services are kept (the answers stay); 0 = for ever", 0, 36500},
    {"limit-feedback-network", K_INT, OFF(limit_feedback_network), "60",
     "answers to a service's feedback questions from one network (/24 IPv4, /64 IPv6) per hour (0 = no limit)", 0, 0},
    {"limit-feedback-browser", K_INT, OFF(limit_feedback_browser), "20",
     "answers to a service's feedback questions from one browser per hour (0 = no limit)", 0, 0},
    {"limit-feedback-service", K_INT, OFF(limit_feedback_service), "600",
     "answers about one service per hour, everyone together (0 = no limit)", 0, 0},
    {"limit-send-institution", K_INT, OFF(limit_send_institution), "300",
     "documents sent to one institution per hour, all senders together (0 = no limit)", 0, 0},
    {"session-idle", K_INT, OFF(session_idle), "900", "seconds without a request after which a login session ends", 5,
     86400},
    {"session-max", K_INT, OFF(session_max), "28800", "seconds after login after which a session ends in any case", 10,
     7 * 86400},
    {"limit-login-network", K_INT, OFF(limit_login_network), "300",
     "login attempts per IPv4 /24 or IPv6 /64 per 10 minutes (every way of logging in)", 1, 1000000},
    {"limit-login-account", K_INT, OFF(limit_login_account), "20",
     "password and second-factor attempts per account per hour (besides the lockout)", 1, 1000000},
    {"audit-keep-days", K_INT, OFF(audit_keep_days), "730", "days the audit log is kept; 0 = for ever", 0, 36500},
    {"account-keep-days", K_INT, OFF(account_keep_days), "1095",
     "citizens' accounts not used for this many days are deleted; 0 = never", 0, 36500},
    {"link-check", K_BOOL, OFF(link_check), "1",
     "check the e-service, channel and homepage links of the catalog in the background (one node checks at a time)", 0,
     0},
    {"link-check-interval", K_INT, OFF(link_check_interval), "86400", "seconds between two checks of one link", 1,
     30 * 86400},
    {"link-check-retry", K_INT, OFF(link_check_retry), "900",
     "seconds before a failing link is checked again (doubles each time, up to link-check-interval)", 1, 86400},
    {"link-check-host-delay", K_INT, OFF(link_check_host_delay), "2",
     "seconds between two requests of the link checker to one host", 1, 3600},
    {"link-check-parallel", K_INT, OFF(link_check_parallel), "4", "requests the link checker makes at once", 1, 64},
    {"link-check-timeout", K_INT, OFF(link_check_timeout), "20",
     "seconds one link-checker request may take (connecting: at most 10)", 1, 300},
    {"link-check-allow-private", K_BOOL, OFF(link_check_allow_private), "0",
     "let the link checker reach loopback, private and link-local addresses (tests only: editors type the links)", 0,
     0},
    {"link-check-dead-after", K_INT, OFF(link_check_dead_after), "604800",
     "seconds a link must have failed before the public page says the e-service is unavailable", 1, 365 * 86400},
    {"link-check-keep-days", K_INT, OFF(link_check_keep_days), "90", "days the history of link checks is kept", 1,
     3650},
    {"smtp-url", K_STR, OFF(smtp_url), "smtp://127.0.0.1:25",
     "the mail relay: smtp://host:port (STARTTLS per smtp-tls) or smtps://host:port (TLS from the first byte)", 0, 0},
    {"smtp-tls", K_STR, OFF(smtp_tls), "required",
     "required: STARTTLS or no delivery; try: STARTTLS when offered (can be stripped); none: never", 0, 0},
    {"smtp-user", K_STR, OFF(smtp_user), "", "SMTP AUTH user; only with smtp-tls required or smtps://", 0, 0},
    {"smtp-password", K_STR, OFF(smtp_password), "", "SMTP AUTH password (prefer the environment or a file)", 0, 0},
    {"smtp-ca-file", K_STR, OFF(smtp_ca_file), "",
     "PEM file of CA certificates for the relay's certificate; empty: the system's", 0, 0},
    {"smtp-helo", K_STR, OFF(smtp_helo), "", "name sent in EHLO; empty: the mail domain", 0, 0},
    {"smtp-connect-timeout", K_INT, OFF(smtp_connect_timeout), "10", "seconds to connect to the relay", 1, 600},
    {"smtp-timeout", K_INT, OFF(smtp_timeout), "120", "seconds for one whole delivery (a claim's lease is this + 60)",
     1, 3600},
    {"mail-from", K_STR, OFF(mail_from), "noreply@epak.invalid", "From and envelope sender of the portal's mail", 0, 0},
    {"mail-from-name", K_STR, OFF(mail_from_name), "", "display name of From (UTF-8)", 0, 0},
    {"mail-domain", K_STR, OFF(mail_domain), "", "right-hand side of Message-IDs; empty: mail-from's domain", 0, 0},
    {"mail-max-size", K_SIZE, OFF(mail_max_size), "20M", "largest encoded message (4k to 1G)", 4096, 1L << 30},
    {"mail-max-attempts", K_INT, OFF(mail_max_attempts), "20", "delivery attempts before giving up", 1, 1000},
    {"mail-max-age", K_INT, OFF(mail_max_age), "172800",
     "seconds after queueing after which a delivery failure is final", 60, 60 * 86400},
    {"mail-retry-base", K_INT, OFF(mail_retry_base), "30", "first retry delay, seconds (doubles each time)", 1, 86400},
    {"mail-retry-max", K_INT, OFF(mail_retry_max), "3600", "longest retry delay, seconds", 1, 7 * 86400},
    {"mail-poll", K_INT, OFF(mail_poll), "5", "seconds between looks at the outbox when idle", 1, 3600},
    {"mail-keep-days", K_INT, OFF(mail_keep_days), "30", "days sent and failed outbox rows are kept; 0 = for ever", 0,
     36500},
    {"materials-dir", K_STR, OFF(materials_dir), "",
     "folder of the files of /materiali (outside the web root); empty: the data folder's materials/", 0, 0},
    {"materials-max-bytes", K_SIZE, OFF(materials_max_bytes), "20M",
     "largest file a content editor may upload to /materiali (64k to 1G; the upload route's body limit follows it)",
     64 * 1024, 1L << 30},
    {"materials-max-total", K_SIZE, OFF(materials_max_total), "2G", "all files of /materiali together", 1L << 20,
     1L << 40},
    {"limit-materials-uploads", K_INT, OFF(limit_materials_uploads), "30",
     "files uploaded to /materiali (new or replaced) per staff account per hour", 1, 100000},
    {"limit-materials-downloads", K_INT, OFF(limit_materials_downloads), "600",
     "downloads of /materiali files per network (/24 or /64) per hour", 1, 10000000},
    {"newsletter-confirm-hours", K_INT, OFF(newsletter_confirm_hours), "48",
     "hours a newsletter subscription confirmation link stays usable; unconfirmed subscriptions are then deleted", 1,
     24 * 30},
    {"newsletter-limit-address", K_INT, OFF(newsletter_limit_address), "3",
     "newsletter confirmation mails to one e-mail address per UTC day (0 = no limit)", 0, 1000},
    {"newsletter-limit-network", K_INT, OFF(newsletter_limit_network), "20",
     "newsletter subscriptions asked from one network (/24 IPv4, /64 IPv6) per hour (0 = no limit)", 0, 1000000},
    {"newsletter-test-limit", K_INT, OFF(newsletter_test_limit), "20",
     "newsletter test mails one editor may send per hour (0 = no limit)", 0, 10000},
    {"newsletter-rate", K_INT, OFF(newsletter_rate), "600",
     "newsletter mails queued per minute while an issue is being sent", 1, 1000000},
    {"newsletter-keep-days", K_INT, OFF(newsletter_keep_days), "30",
     "days an unsubscribed newsletter address is kept (then deleted)", 0, 36500},
    {"oidc", K_OIDC, 0, "",
     "an OpenID Connect provider for citizens' login (repeatable): name=N issuer=URL client-id=ID "
     "client-secret-file=FILE [auth= scope= pno-claim= name-claim= country= label-lv= label-en=]",
     0, 0},
    {"question-target-days", K_INT, OFF(question_target_days), "5",
     "working days (Latvian: no weekends or public holidays) in which a question asked through /jautajums should be "
     "answered",
     1, 60},
    {"question-retention-days", K_INT, OFF(question_retention_days), "730",
     "days after a question was answered or closed (or asked, when never answered) that its e-mail address, name, "
     "text and answer are erased",
     1, 36500},
    {"question-ministry", K_STR, OFF(question_ministry), "",
     "institution slug whose editors get questions about no service (besides administrators); empty: "
     "administrators only",
     0, 0},
    {"question-min-seconds", K_INT, OFF(question_min_seconds), "4",
     "seconds the question form must be open before it is sent (faster is taken for a robot)", 0, 3600},
    {"limit-question-address", K_INT, OFF(limit_question_address), "3",
     "questions from one e-mail address per UTC day (0 = no limit)", 0, 1000000},
    {"limit-question-network", K_INT, OFF(limit_question_network), "10",
     "questions from one network (/24 IPv4, /64 IPv6) per hour (0 = no limit)", 0, 1000000},
    {"limit-question-all", K_INT, OFF(limit_question_all), "60", "questions per hour, everyone together (0 = no limit)",
     0, 1000000},
    {"limit-feedback-all", K_INT, OFF(limit_feedback_all), "3000",
     "answers to the feedback questions of all services per hour, everyone together (0 = no limit)", 0, 10000000},
    {"limit-feedback-comments", K_INT, OFF(limit_feedback_comments), "200",
     "typed comments in feedback on services and on the campaign per hour, everyone together (0 = no limit)", 0,
     1000000},
    /* issue 15, metrics and health (src/http/metrics.h, src/web/page_metrics.c) */
    {"metrics-allow", K_STR, OFF(metrics_allow), "127.0.0.0/8 ::1/128",
     "IP networks (comma- or space-separated) whose TCP peer address may read /metrics; X-Forwarded-For is never "
     "believed for it, and a request a proxy passed on (X-Forwarded-For, Forwarded or X-Real-IP) is refused; anyone "
     "else gets 404; empty = /metrics is off",
     0, 0},
    /* issue 15, backups: epak backup and epak restore (store/backup.h) */
    {"backup-keep", K_INT, OFF(backup_keep), "14",
     "backups kept when epak backup writes into a folder (older epak-*.zip there are removed)", 1, 100000},
    {"backup-step-pages", K_INT, OFF(backup_step_pages), "1024",
     "database pages epak backup copies per step of SQLite's online backup (writers go on between steps)", 1, 1000000},
    /* issue 15, graceful lifecycle (src/http/server.c) */
    {"shutdown-timeout", K_INT, OFF(shutdown_timeout), "30",
     "seconds SIGTERM waits for requests in flight and worker jobs to finish before cutting them off", 1, 3600},
};

#define NKEYS (sizeof(keys) / sizeof(keys[0]))

static const struct key *key_find(const char *name)
{
	char norm[64];
	size_t i, n = strlen(name);

	if (n >= sizeof(norm))
		return NULL;
	for (i = 0; i <= n; i++)
		norm[i] = name[i] == '_' ? '-' : (char)tolower((unsigned char)name[i]);
	for (i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].name, norm) == 0)
			return &keys[i];
	return NULL;
}

int parse_int(const char *s, long min, long max, long *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end || v < min || v > max)
		return -1;
	*out = v;
	return 0;
}

int parse_size(const char *s, size_t *out)
{
	char *end;
	unsigned long long v;
	unsigned long long mul = 1;

	if (!*s || *s == '-')
		return -1;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s)
		return -1;
	if (*end == 'k' || *end == 'K')
		mul = 1024ULL, end++;
	else if (*end == 'm' || *end == 'M')
		mul = 1024ULL * 1024, end++;
	else if (*end == 'g' || *end == 'G')
		mul = 1024ULL * 1024 * 1024, end++;
	if (*end == 'b' || *end == 'B')
		end++;
	if (*end || v > SIZE_MAX / mul)
		return -1;
	*out = (size_t)(v * mul);
	return 0;
}

/* The fields of an `oidc` value: name, where it goes, its default. */
static const struct oidc_field {
	const char *name;
	size_t offset;
	const char *def; /* NULL: required */
} oidc_fields[] = {
    {"name", offsetof(struct config_oidc, name), NULL},
    {"issuer", offsetof(struct config_oidc, issuer), NULL},
    {"client-id", offsetof(struct config_oidc, client_id), NULL},
    {"client-secret-file", offsetof(struct config_oidc, client_secret_file), NULL},
    {"auth", offsetof(struct config_oidc, auth), "client_secret_basic"},
    {"scope", offsetof(struct config_oidc, scope), "openid"},
    {"pno-claim", offsetof(struct config_oidc, pno_claim), "sub"},
    {"name-claim", offsetof(struct config_oidc, name_claim), "name"},
    {"country", offsetof(struct config_oidc, country), "LV"},
    {"label-lv", offsetof(struct config_oidc, label_lv), ""},
    {"label-en", offsetof(struct config_oidc, label_en), ""},
};
#define NOIDC_FIELDS (sizeof(oidc_fields) / sizeof(oidc_fields[0]))
#define OIDC_VALUE_MAX 2048 /* bytes of one field's value */

void config_oidc_free(struct config_oidc *o)
{
	size_t i;

	for (i = 0; i < NOIDC_FIELDS; i++)
		free(*(char **)((char *)o + oidc_fields[i].offset));
	memset(o, 0, sizeof(*o));
}

/* http:// is for a provider on this machine only: 127.0.0.0/8, [::1] or
 * localhost, with nothing (no user info) before the host. */
static int url_loopback(const char *url)
{
	const char *h = url + 7, *end = h + strcspn(h, ":/?#");

	if (!strncmp(h, "[::1]", 5))
		return h[5] == '\0' || strchr(":/", h[5]) != NULL;
	if (memchr(h, '@', strcspn(h, "/?#")))
		return 0;
	if ((size_t)(end - h) == 9 && !strncmp(h, "localhost", 9))
		return 1;
	return !strncmp(h, "127.", 4) && strspn(h, "0123456789.") == (size_t)(end - h);
}

static int oidc_check(const struct config_oidc *o, struct err *err)
{
	size_t n = strlen(o->name), i;
	const char *cc = o->country;

	if (n < 1 || n > 32 || strspn(o->name, "abcdefghijklmnopqrstuvwxyz0123456789-") != n) {
		err_set(err, ERR_VALIDATION, "oidc: name must be 1 to 32 of a-z, 0-9 and -");
		return -1;
	}
	if (!strncmp(o->issuer, "http://", 7) ? !url_loopback(o->issuer) : strncmp(o->issuer, "https://", 8) != 0) {
		err_set(err, ERR_VALIDATION, "oidc %s: issuer must be an https:// URL (http:// only on loopback)",
			o->name);
		return -1;
	}
	if (strpbrk(o->issuer, "?#") || strlen(o->issuer) < 9) {
		err_set(err, ERR_VALIDATION, "oidc %s: issuer has no query or fragment", o->name);
		return -1;
	}
	if (strcmp(o->auth, "client_secret_basic") && strcmp(o->auth, "client_secret_post")) {
		err_set(err, ERR_VALIDATION, "oidc %s: auth is client_secret_basic or client_secret_post", o->name);
		return -1;
	}
	if (strncmp(o->scope, "openid", 6) || (o->scope[6] && o->scope[6] != ' ')) {
		err_set(err, ERR_VALIDATION, "oidc %s: scope must start with openid", o->name);
		return -1;
	}
	if (strlen(cc) != 2 || !isupper((unsigned char)cc[0]) || !isupper((unsigned char)cc[1])) {
		err_set(err, ERR_VALIDATION, "oidc %s: country is two capital letters (LV)", o->name);
		return -1;
	}
	if (!*o->pno_claim || !*o->client_id || !*o->client_secret_file) {
		err_set(err, ERR_VALIDATION, "oidc %s: pno-claim, client-id and client-secret-file must not be empty",
			o->name);
		return -1;
	}
	for (i = 0; i < NOIDC_FIELDS; i++) {
		const unsigned char *v = *(unsigned char **)((char *)o + oidc_fields[i].offset);

		for (; *v; v++)
			if (*v < 0x20 || *v == 0x7f) {
				err_set(err, ERR_VALIDATION, "oidc %s: %s has a control character", o->name,
					oidc_fields[i].name);
				return -1;
			}
	}
	return 0;
}

int config_oidc_parse(const char *value, struct config_oidc *o, struct err *err)
{
	const char *p = value;
	char field[32], *v = NULL;
	size_t i, n;

	memset(o, 0, sizeof(*o));
	v = malloc(OIDC_VALUE_MAX);
	if (!v)
		goto oom;
	for (;;) {
		const struct oidc_field *f = NULL;
		char **slot;

		while (isspace((unsigned char)*p))
			p++;
		if (!*p)
			break;
		n = strcspn(p, "= \t\r\n\"");
		if (p[n] != '=' || n == 0 || n >= sizeof(field)) {
			err_set(err, ERR_VALIDATION, "oidc: expected FIELD=VALUE at '%.20s'", p);
			goto fail;
		}
		memcpy(field, p, n);
		field[n] = '\0';
		p += n + 1;
		for (i = 0; i < NOIDC_FIELDS && !f; i++)
			if (!strcmp(oidc_fields[i].name, field))
				f = &oidc_fields[i];
		if (!f) {
			err_set(err, ERR_VALIDATION, "oidc: unknown field '%s'", field);
			goto fail;
		}
		n = 0;
		if (*p == '"') {
			for (p++; *p && *p != '"'; p++) {
				if (*p == '\\' && (p[1] == '"' || p[1] == '\\'))
					p++;
				if (n + 1 >= OIDC_VALUE_MAX)
					break;
				v[n++] = *p;
			}
			if (*p != '"') {
				err_set(err, ERR_VALIDATION, "oidc: %s: unterminated or too long quoted value", field);
				goto fail;
			}
			p++;
			if (*p && !isspace((unsigned char)*p)) {
				err_set(err, ERR_VALIDATION, "oidc: %s: a space must follow the closing quote", field);
				goto fail;
			}
		} else {
			for (; *p && !isspace((unsigned char)*p); p++) {
				if (*p == '"' || n + 1 >= OIDC_VALUE_MAX) {
					err_set(err, ERR_VALIDATION, "oidc: %s: a quote inside or a value too long",
						field);
					goto fail;
				}
				v[n++] = *p;
			}
		}
		v[n] = '\0';
		slot = (char **)((char *)o + f->offset);
		if (*slot) {
			err_set(err, ERR_VALIDATION, "oidc: %s given twice", field);
			goto fail;
		}
		*slot = strdup(v);
		if (!*slot)
			goto oom;
	}
	for (i = 0; i < NOIDC_FIELDS; i++) {
		char **slot = (char **)((char *)o + oidc_fields[i].offset);

		if (*slot)
			continue;
		if (!oidc_fields[i].def) {
			err_set(err, ERR_VALIDATION, "oidc: %s is required", oidc_fields[i].name);
			goto fail;
		}
		*slot = strdup(oidc_fields[i].def);
		if (!*slot)
			goto oom;
	}
	if (!*o->label_lv) {
		free(o->label_lv);
		o->label_lv = strdup(o->name);
		if (!o->label_lv)
			goto oom;
	}
	if (!*o->label_en) {
		free(o->label_en);
		o->label_en = strdup(o->label_lv);
		if (!o->label_en)
			goto oom;
	}
	if (oidc_check(o, err) != 0)
		goto fail;
	free(v);
	return 0;
oom:
	err_set(err, ERR_INTERNAL, "oidc: out of memory");
fail:
	free(v);
	config_oidc_free(o);
	return -1;
}

static int set_key(struct config *c, const struct key *k, const char *value, struct err *err)
{
	char *p = (char *)c + k->offset;
	long l;
	size_t sz;
	char *copy;

	switch (k->type) {
	case K_LISTEN:
		if (c->listen_layer != c->layer) {
			while (c->nlisten > 0)
				free(c->listen[--c->nlisten]);
			c->listen_layer = c->layer;
		}
		if (c->nlisten >= CONFIG_MAX_LISTEN) {
			err_set(err, ERR_VALIDATION, "listen: at most %d addresses", CONFIG_MAX_LISTEN);
			return -1;
		}
		if (!strrchr(value, ':')) {
			err_set(err, ERR_VALIDATION, "listen: '%s' is not HOST:PORT", value);
			return -1;
		}
		copy = strdup(value);
		if (!copy)
			return -1;
		c->listen[c->nlisten++] = copy;
		return 0;
	case K_OIDC:
		if (c->oidc_layer != c->layer) {
			while (c->noidc > 0)
				config_oidc_free(&c->oidc[--c->noidc]);
			c->oidc_layer = c->layer;
		}
		if (c->noidc >= CONFIG_MAX_OIDC) {
			err_set(err, ERR_VALIDATION, "oidc: at most %d providers", CONFIG_MAX_OIDC);
			return -1;
		}
		if (config_oidc_parse(value, &c->oidc[c->noidc], err) != 0)
			return -1;
		for (l = 0; l < c->noidc; l++)
			if (!strcmp(c->oidc[l].name, c->oidc[c->noidc].name)) {
				err_set(err, ERR_VALIDATION, "oidc: two providers named %s", c->oidc[l].name);
				config_oidc_free(&c->oidc[c->noidc]);
				return -1;
			}
		c->noidc++;
		return 0;
	case K_STR:
		copy = strdup(value);
		if (!copy)
			return -1;
		free(*(char **)p);
		*(char **)p = copy;
		return 0;
	case K_INT:
		if (parse_int(value, k->min || k->max ? k->min : 0, k->min || k->max ? k->max : 1024, &l) != 0) {
			err_set(err, ERR_VALIDATION, "%s: '%s' is not a number from %ld to %ld", k->name, value,
				k->min || k->max ? k->min : 0, k->min || k->max ? k->max : 1024);
			return -1;
		}
		*(int *)p = (int)l;
		return 0;
	case K_SIZE:
		if (parse_size(value, &sz) != 0) {
			err_set(err, ERR_VALIDATION, "%s: '%s' is not a size (e.g. 10M)", k->name, value);
			return -1;
		}
		if (k->max && (sz < (size_t)k->min || sz > (size_t)k->max)) {
			err_set(err, ERR_VALIDATION, "%s: not a size from %ld to %ld bytes", k->name, k->min, k->max);
			return -1;
		}
		*(size_t *)p = sz;
		return 0;
	case K_BOOL:
		if (!strcmp(value, "1") || !strcmp(value, "true") || !strcmp(value, "yes") || !strcmp(value, "on"))
			*(int *)p = 1;
		else if (!strcmp(value, "0") || !strcmp(value, "false") || !strcmp(value, "no") ||
			 !strcmp(value, "off"))
			*(int *)p = 0;
		else {
			err_set(err, ERR_VALIDATION, "%s: '%s' is not yes or no", k->name, value);
			return -1;
		}
		return 0;
	}
	return -1;
}

void config_layer(struct config *c, int layer)
{
	c->layer = layer;
}

int config_set(struct config *c, const char *key, const char *value, struct err *err)
{
	const struct key *k = key_find(key);

	if (!k) {
		err_set(err, ERR_VALIDATION, "unknown setting '%s'", key);
		return -1;
	}
	return set_key(c, k, value, err);
}

void config_defaults(struct config *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (keys[i].type != K_LISTEN && keys[i].type != K_OIDC)
			set_key(c, &keys[i], keys[i].def, NULL);
}

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

int config_load_file(struct config *c, const char *path, struct err *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	struct err msg = {0};
	int lineno = 0, rc = -1;
	char *eq, *key, *val, *hash;

	if (!f) {
		err_set(err, ERR_VALIDATION, "%s: cannot open: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		lineno++;
		if (!strchr(line, '\n') && !feof(f)) {
			err_set(err, ERR_VALIDATION, "%s:%d: line too long", path, lineno);
			goto out;
		}
		hash = strchr(line, '#');
		if (hash)
			*hash = '\0';
		key = trim(line);
		if (!*key)
			continue;
		eq = strchr(key, '=');
		if (!eq) {
			err_set(err, ERR_VALIDATION, "%s:%d: expected KEY = VALUE", path, lineno);
			goto out;
		}
		*eq = '\0';
		val = trim(eq + 1);
		key = trim(key);
		if (config_set(c, key, val, &msg) != 0) {
			err_set(err, ERR_VALIDATION, "%s:%d: %s", path, lineno, msg.msg);
			goto out;
		}
	}
	rc = 0;
out:
	fclose(f);
	return rc;
}

/* EPAK_ and the key in capitals, '-' as '_' (smtp-ca-file: EPAK_SMTP_CA_FILE). */
static void env_name(const char *key, char *out, size_t n)
{
	size_t j;

	snprintf(out, n, "EPAK_%s", key);
	for (j = 5; out[j]; j++)
		out[j] = out[j] == '-' ? '_' : (char)toupper((unsigned char)out[j]);
}

int config_load_env(struct config *c, struct err *err)
{
	size_t i;
	char name[64];
	struct err msg = {0};
	const char *v;

	config_layer(c, 1);
	for (i = 0; i < NKEYS; i++) {
		env_name(keys[i].name, name, sizeof(name));
		v = getenv(name);
		if (!v)
			continue;
		if (set_key(c, &keys[i], v, &msg) != 0) {
			err_set(err, ERR_VALIDATION, "%s: %s", name, msg.msg);
			return -1;
		}
	}
	return 0;
}

int config_check(const struct config *c, struct err *err)
{
	enum { MIN_BODY = 1024 };
	struct netlist nets;
	struct err why = {0};

	if (strcmp(c->lang, "lv") && strcmp(c->lang, "en")) {
		err_set(err, ERR_VALIDATION, "lang: '%s' is not lv or en", c->lang);
		return -1;
	}
	if (!!*c->tls_cert != !!*c->tls_key) {
		err_set(err, ERR_VALIDATION, "tls-cert and tls-key go together");
		return -1;
	}
	if (c->sign_sessions_per_browser < 1 || c->sign_purge_interval < 1) {
		err_set(err, ERR_VALIDATION, "sign-sessions-per-browser and sign-purge-interval: at least 1");
		return -1;
	}
	if (netlist_parse(c->trusted_proxies, &nets, &why) != 0 ||
	    netlist_parse(c->auth_cert_proxies, &nets, &why) != 0) {
		err_set(err, ERR_VALIDATION, "trusted-proxies, auth-cert-proxies: %s", why.msg);
		return -1;
	}
	if (netlist_parse(c->metrics_allow, &nets, &why) != 0) {
		err_set(err, ERR_VALIDATION, "metrics-allow: %s", why.msg);
		return -1;
	}
	if (*c->tls_client_listen && (!*c->tls_cert || !strrchr(c->tls_client_listen, ':'))) {
		err_set(err, ERR_VALIDATION, "tls-client-listen: HOST:PORT, and only with tls-cert and tls-key");
		return -1;
	}
	if (c->max_body < MIN_BODY) {
		err_set(err, ERR_VALIDATION, "max-body: at least %d bytes", MIN_BODY);
		return -1;
	}
	if (c->verify_max_unpacked < 1024 || c->verify_max_sigs < 1 || c->verify_max_hashed < 1024 ||
	    c->verify_timeout < 1) {
		err_set(err, ERR_VALIDATION,
			"verify-max-unpacked, -max-hashed: at least 1k; -max-signatures, -timeout: at "
			"least 1");
		return -1;
	}
	if (c->pool_threads < 1) {
		err_set(err, ERR_VALIDATION, "pool-threads: at least 1");
		return -1;
	}
	if (c->max_header < 1024 || c->max_header > 256 * 1024) {
		err_set(err, ERR_VALIDATION, "max-header: from 1k to 256k");
		return -1;
	}
	if (c->max_url < 256 || c->max_url > c->max_header) {
		err_set(err, ERR_VALIDATION, "max-url: from 256 bytes to max-header");
		return -1;
	}
	if (strcmp(c->log_level, "error") && strcmp(c->log_level, "warn") && strcmp(c->log_level, "info") &&
	    strcmp(c->log_level, "debug")) {
		err_set(err, ERR_VALIDATION, "log-level: '%s' is not error, warn, info or debug", c->log_level);
		return -1;
	}
	if (log_format_parse(c->log_format, &(enum log_format){0}) != 0) {
		err_set(err, ERR_VALIDATION, "log-format: '%s' is not text or json", c->log_format);
		return -1;
	}
	return 0;
}

void config_free(struct config *c)
{
	size_t i;
	int n;

	for (n = 0; n < c->nlisten; n++)
		free(c->listen[n]);
	for (n = 0; n < c->noidc; n++)
		config_oidc_free(&c->oidc[n]);
	for (i = 0; i < NKEYS; i++)
		if (keys[i].type == K_STR)
			free(*(char **)((char *)c + keys[i].offset));
	memset(c, 0, sizeof(*c));
}

void config_print_keys(void)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		const char *d = keys[i].def;

		/* a default with a space is quoted, so the column stays one word */
		if (strchr(d, ' '))
			printf("  --%-14s \"%s\" %s\n", keys[i].name, d, keys[i].help);
		else
			printf("  --%-14s %-16s %s\n", keys[i].name, *d ? d : "\"\"", keys[i].help);
	}
}

int config_key_info(size_t i, struct config_key_info *out)
{
	static const char *const type_names[] = {"text", "integer", "size", "boolean", "HOST:PORT", "provider"};

	if (i >= NKEYS)
		return -1;
	out->name = keys[i].name;
	out->type = type_names[keys[i].type];
	out->def = keys[i].def;
	out->help = keys[i].help;
	out->repeatable = keys[i].type == K_LISTEN || keys[i].type == K_OIDC;
	env_name(keys[i].name, out->env, sizeof(out->env));
	return 0;
}

void config_db_url(const struct config *c, char *out, size_t n)
{
	if (c->db && *c->db)
		snprintf(out, n, "%s", c->db);
	else
		snprintf(out, n, "%s/epak.db", c->data);
}
