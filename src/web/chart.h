/* chart.h — bar charts as inline SVG, drawn on the server for the back
 * office's dashboards: readable without JavaScript (role="img" with a
 * <title> and <desc> that say what the figures are), every bar labelled with
 * its value in text (no meaning carried by colour alone), an optional target
 * drawn as a dashed line with its own label. The page shows the same numbers
 * in a table beside the chart; the chart is a picture of that table.
 *
 * Labels are escaped here (tmpl/escape.h); the result is HTML the program
 * made itself, fit for a raw {{{x}}} in a template. */
#ifndef EPAK_WEB_CHART_H
#define EPAK_WEB_CHART_H

#include <stddef.h>

struct buf;

struct chart_bar {
	const char *label; /* under the bar (a period, a service) */
	double value;      /* 0 .. max */
	int empty;         /* no data: no bar, the text "—" */
	const char *text;  /* the value as shown ("87 %"); NULL: "%g" of value */
};

struct chart {
	const char *title; /* <title>, required */
	const char *desc;  /* <desc>, required: what the bars are */
	const char *id;    /* unique in the page: ids of title/desc */
	const struct chart_bar *bars;
	size_t nbars;
	double max;               /* the axis' top (e.g. 100); > 0 */
	double target;            /* drawn when 0 < target <= max */
	const char *target_label; /* beside the target line */
};

/* Appends the chart's <svg> element to out. 0, or -1 (a bad chart: no
 * title, max <= 0, too many bars; or out past its cap). */
int chart_bars_svg(struct buf *out, const struct chart *c);

#define CHART_MAX_BARS 60

#endif
