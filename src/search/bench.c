/* bench.c — `epak search-bench` (placeholder while the engine settles). */
#include "search/cli.h"

int cmd_search_bench(struct config *cfg, int argc, char **argv)
{
	(void)cfg;
	(void)argc;
	(void)argv;
	return 0;
}
