/* config.h — epak's settings: defaults, then the config file, then
 * environment variables (EPAK_<KEY>: upper case, '-' as '_', e.g. smtp-ca-file
 * is EPAK_SMTP_CA_FILE), then command-line flags (--key value). Every key is
 * listed once in config.c's table and documented in the README; no module
 * reads the environment for a setting of its own.
 */
#ifndef EPAK_CONFIG_H
#define EPAK_CONFIG_H

#include <stddef.h>

#include "core/err.h"

#define CONFIG_MAX_LISTEN 8
#define CONFIG_MAX_OIDC 8

/* One OpenID Connect provider (the repeatable key `oidc`, README "OpenID
 * Connect providers"): its value is space-separated FIELD=VALUE words, a
 * value with spaces in double quotes ("\"" and "\\" inside). */
struct config_oidc {
	char *name;               /* [a-z0-9-]{1,32}: the button, /pieteikties/oidc/NAME, the audit method */
	char *issuer;             /* https://...; http:// only on loopback (tests, a local proxy) */
	char *client_id;          /* as registered with the provider */
	char *client_secret_file; /* file holding the client secret (read at start, never logged) */
	char *auth;               /* token endpoint authentication: client_secret_basic or client_secret_post */
	char *scope;              /* scopes asked for; always starts with "openid" */
	char *pno_claim;          /* the claim holding the personal code */
	char *name_claim;         /* the claim holding the person's name ("": given_name + family_name) */
	char *country;            /* country of codes without a PNOxx- prefix (two capitals) */
	char *label_lv;           /* the button's text in Latvian */
	char *label_en;           /* ... and in English */
};

struct config {
	char *listen[CONFIG_MAX_LISTEN]; /* "HOST:PORT" */
	int nlisten;
	char *data;       /* data folder: SQLite database, uploads, secrets */
	char *db;         /* PostgreSQL URL; empty = SQLite in data */
	int threads;      /* event loops; 0 = one per core */
	int pool_threads; /* worker pool for network waits */
	char *lang;       /* default language: lv or en */
	char *tls_cert;   /* PEM; with tls_key enables HTTPS */
	char *tls_key;
	int shutdown_timeout;                     /* seconds SIGTERM waits for requests and jobs in flight (issue 15) */
	char *templates;                          /* folder of *.mustache */
	char *static_dir;                         /* folder served under /static/ */
	char *locale_dir;                         /* folder of LANG/LC_MESSAGES/epak.mo */
	char *search_data;                        /* folder of the search lexicon, synonyms and best bets */
	char *search_eval_queries;                /* query sets for the back office's evaluation, comma-separated */
	int search_zero_rows;                     /* distinct zero-result queries kept at most */
	int search_zero_days;                     /* days kept after last searched for */
	int limit_search_preview;                 /* lexicon previews per administrator per hour */
	int limit_office_saves;                   /* back-office saves per staff account per hour */
	size_t catalog_max_bytes;                 /* memory the served catalog may take; larger: not served */
	size_t max_body;                          /* largest request body accepted, bytes */
	size_t max_header;                        /* largest total of request headers, bytes */
	size_t max_url;                           /* longest request target, bytes */
	size_t upload_spill;                      /* upload parts above this go to a temp file */
	int max_conns;                            /* open connections, all together; more are closed at accept */
	int max_conns_per_address;                /* open connections from one address (IPv6: /64); 0 = no cap */
	char *trusted_proxies;                    /* IP networks whose X-Forwarded-For names the client */
	char *auth_cert_proxies;                  /* IP networks whose X-Client-Cert header is a verified certificate */
	char *tls_client_listen;                  /* HOST:PORT of the TLS listener that asks for a client certificate */
	char *auth_cert_url;                      /* where the login page's certificate button leads; empty: derived */
	int dev;                                  /* re-read templates when they change */
	char *log_level;                          /* error, warn, info, debug */
	int access_log;                           /* one line per request */
	char *log_format;                         /* text, json (issue 15) */
	int sitemap_max_urls;                     /* per sitemap file (issue 15) */
	char *public_url;                         /* how people reach the portal, for absolute links */
	char *trust;                              /* PEM file of certificates trusted for e-signatures */
	char *trust_list_signer;                  /* PEM: who may sign a trusted list in trust */
	char *tsa_url;                            /* RFC 3161 time-stamp service for signing (T, LT) */
	char *ocsp_url;                           /* OCSP responder; empty: the certificate's own */
	int layer;                                /* which source is being read: file 0, env 1, flags 2 */
	int listen_layer;                         /* the source the listen list came from */
	struct config_oidc oidc[CONFIG_MAX_OIDC]; /* identity providers, in button order */
	int noidc;
	int oidc_layer; /* the source the oidc list came from */

	int http2;                     /* offer h2 over TLS (never in clear text) */
	size_t cache_size;             /* page cache bytes per event-loop thread */
	size_t cache_max_page;         /* pages larger than this are not cached */
	size_t verify_max_unpacked;    /* an uploaded container unpacks to at most this */
	int verify_max_sigs;           /* signatures checked in one uploaded container */
	size_t verify_max_hashed;      /* bytes digested checking one uploaded container */
	int verify_timeout;            /* seconds of a worker for one uploaded container */
	char *sign_ca;                 /* intermediate CAs of signers' certificates (PEM) */
	char *auth_trust;              /* anchors for eID login (PEM); empty: trust */
	char *auth_ocsp_url;           /* OCSP responder for eID login; empty: the certificate's AIA */
	int auth_ocsp_timeout;         /* seconds for one OCSP exchange at login */
	int limit_webeid_browser;      /* Web eID challenges per browser per 10 minutes */
	int limit_webeid_network;      /* Web eID challenges per /24 or /64 per 10 minutes */
	int sign_sessions_per_browser; /* open signing sessions per browser */
	size_t sign_sessions_bytes;    /* all open signing sessions together */
	int sign_purge_interval;       /* seconds between purges of expired ones */
	size_t pool_max_bytes;         /* worker pool jobs' memory */
	size_t mail_daily_bytes;       /* outbox bytes per UTC day, all nodes; 0 = no limit */
	int submission_keep_days;      /* submissions older than this are deleted; 0 = keep */
	int confirm_minutes;           /* life of a receipt address confirmation link */
	int limit_confirm_address;     /* confirmation mails per address per day */
	int limit_confirm_network;     /* confirmation mails per /24 or /64 per hour */
	int limit_confirm_browser;     /* confirmation mails per browser per hour */
	int limit_send_network;        /* submissions per /24 or /64 per hour */
	int limit_send_institution;    /* submissions per institution per hour */
	int session_idle;              /* seconds without a request that end a login session */
	int session_max;               /* seconds after login that end it in any case */
	int limit_login_network;       /* login attempts per /24 or /64 per 10 minutes */
	int limit_login_account;       /* password or second-factor attempts per account per hour */
	int audit_keep_days;           /* audit log rows older than this are deleted; 0 = keep */
	int account_keep_days;         /* citizens' accounts unused this long are deleted; 0 = keep */
	int link_check;                /* run the link checker (src/links) on this node */
	int link_check_interval;       /* seconds between checks of one URL */
	int link_check_retry;          /* first retry of a failing URL, seconds (doubles) */
	int link_check_host_delay;     /* seconds between two requests to one host */
	int link_check_parallel;       /* requests at once */
	int link_check_timeout;        /* seconds for one request */
	int link_check_allow_private;  /* check loopback and private addresses too (tests) */
	int link_check_dead_after;     /* seconds broken before the public page says "unavailable" */
	int link_check_keep_days;      /* days of check history kept */

	/* mail (docs/mail.md); src/mail gets them as a struct mail_config */
	char *smtp_url;           /* smtp://host:port or smtps://host:port */
	char *smtp_tls;           /* try, required or none */
	char *smtp_user;          /* empty = no AUTH */
	char *smtp_password;      /* AUTH password */
	char *smtp_ca_file;       /* PEM CA bundle; empty = the system's */
	char *smtp_helo;          /* name for EHLO; empty = the mail domain */
	int smtp_connect_timeout; /* seconds */
	int smtp_timeout;         /* seconds for one whole delivery */
	char *mail_from;          /* default From and envelope sender */
	char *mail_from_name;     /* display name of From (UTF-8) */
	char *mail_domain;        /* right side of Message-IDs; empty = From's domain */
	size_t mail_max_size;     /* largest encoded message, bytes */
	int mail_max_attempts;    /* delivery attempts before giving up */
	int mail_max_age;         /* seconds after queueing to stop retrying */
	int mail_retry_base;      /* first retry delay, seconds (doubles) */
	int mail_retry_max;       /* longest retry delay, seconds */
	int mail_poll;            /* seconds between looks at the outbox when idle */
	int mail_keep_days;       /* delete sent/failed outbox rows after; 0 = keep */

	/* materials for informers (/materiali) */
	char *materials_dir;           /* where their files are; empty: data/materials */
	size_t materials_max_bytes;    /* largest file */
	size_t materials_max_total;    /* all files together */
	int limit_materials_uploads;   /* uploads per staff account per hour */
	int limit_materials_downloads; /* downloads per network per hour */
	int fact_check_days;           /* a fact not checked for longer is listed in /birojs/parskats */
	/* feedback on services (page_svcfeedback.c) */
	int feedback_comment_days;  /* comments emptied after; 0 = keep */
	int limit_feedback_network; /* answers per network per hour */
	int limit_feedback_browser; /* ... per browser per hour */
	int limit_feedback_service; /* ... per service per hour, everyone */
	/* questions (/jautajums, web/page_ask.c) */
	int question_target_days;    /* working days to answer */
	int question_retention_days; /* days personal fields are kept after the answer */
	char *question_ministry;     /* owner of questions about no service; "" = administrators */
	int question_min_seconds;    /* the form's minimum fill time */
	int limit_question_address;  /* questions per address per day */
	int limit_question_network;  /* questions per /24 or /64 per hour */
	/* budgets of all strangers together (many /64s of one IPv6 prefix) */
	int limit_question_all;      /* questions per hour, everyone */
	int limit_feedback_all;      /* service feedback answers per hour, everyone */
	int limit_feedback_comments; /* typed feedback comments per hour, everyone */
	/* the newsletter (web/newsletter.h) */
	int newsletter_confirm_hours; /* life of a subscription confirmation link */
	int newsletter_limit_address; /* confirmation mails per address per day */
	int newsletter_limit_network; /* subscriptions per /24 or /64 per hour */
	int newsletter_test_limit;    /* test mails per editor per hour */
	int newsletter_rate;          /* issue mails queued per minute */
	int newsletter_keep_days;     /* unsubscribed addresses kept for */
	/* issue 15, metrics and health */
	char *metrics_allow; /* IP networks whose TCP peer may read /metrics; empty: off */
	/* issue 15, backups (store/backup.h) */
	int backup_keep;       /* backups kept in a backup folder */
	int backup_step_pages; /* pages copied per online-backup step */
};

/* Fills *c with defaults. */
void config_defaults(struct config *c);
/* Reads KEY = VALUE lines; '#' starts a comment. 0 on success; on error
 * writes "file:line: reason" into err. */
int config_load_file(struct config *c, const char *path, struct err *err);
/* Applies EPAK_* environment variables. */
int config_load_env(struct config *c, struct err *err);
/* Sets one key ("listen", "max-body" or "max_body"). listen appends within
 * one source (file, environment, flags) and replaces what a weaker source set. */
void config_layer(struct config *c, int layer);
/* Sets one key. */
int config_set(struct config *c, const char *key, const char *value, struct err *err);
/* Validates the whole; 0 when usable. */
int config_check(const struct config *c, struct err *err);
void config_free(struct config *c);
/* Where the database is: the db setting, else DATA/epak.db (SQLite). */
void config_db_url(const struct config *c, char *out, size_t n);
/* Prints every key, its default and its meaning (for --help and docs). */
void config_print_keys(void);
/* One key of the table, for the generated documentation (config_doc.c):
 * its name, value type, default ("" when none) and one-line meaning. */
struct config_key_info {
	const char *name;
	const char *type; /* text, integer, size, boolean, HOST:PORT, provider */
	const char *def;
	const char *help;
	int repeatable; /* listen and oidc may be given several times */
	char env[64];   /* its environment variable, EPAK_... */
};
/* Fills *out with key i of the table: 0, or -1 past the last key. */
int config_key_info(size_t i, struct config_key_info *out);
/* Parses one `oidc` value into *o (fields malloc'd; config_oidc_free
 * releases them): 0, or -1 with the reason in err (never the secret's
 * contents: the value names a file). */
int config_oidc_parse(const char *value, struct config_oidc *o, struct err *err);
void config_oidc_free(struct config_oidc *o);
/* Parses "10M", "512k", "1G", "4096" into bytes. */
int parse_size(const char *s, size_t *out);
int parse_int(const char *s, long min, long max, long *out);

#endif
