# iorr timeline: the viewer's script and styles stay readable files in the
# source tree; a generated header holds them as C strings for timeline.c.
TIMELINE_ASSETS = src/cli/timeline.js src/cli/timeline.css
EXTRA_DIST += $(TIMELINE_ASSETS)
CLEANFILES += src/cli/timeline_assets.h

# Each line becomes "line\n" with backslashes and double quotes escaped.
src/cli/timeline_assets.h: $(TIMELINE_ASSETS:%=$(srcdir)/%) src/cli/timeline.mk
	$(AM_V_GEN)$(MKDIR_P) src/cli && { \
	  echo '/* Generated from $(TIMELINE_ASSETS) by src/cli/timeline.mk. */'; \
	  for f in $(TIMELINE_ASSETS); do \
	    name=timeline_$${f##*.}; \
	    echo "static const char $$name[] ="; \
	    sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' -e 's/^/"/' -e 's/$$/\\n"/' \
	      "$(srcdir)/$$f" || exit 1; \
	    echo ';'; \
	  done; } >$@.tmp && mv $@.tmp $@

# The header must exist before the first compile (no dependency info yet).
src/cli/iorr-timeline.$(OBJEXT): src/cli/timeline_assets.h
