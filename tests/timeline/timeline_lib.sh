# Common setup of the timeline tests (sourced after tests/lib.sh).
[ -x "$IORR" ] || skip "iorr not built ($IORR)"

# The browser: Debian's chromium (scripts/install-deps), or $CHROMIUM.
: "${CHROMIUM:=$(command -v chromium || command -v chromium-browser || true)}"

need_chromium() {
	[ -n "$CHROMIUM" ] && [ -x "$CHROMIUM" ] ||
		skip "chromium not installed (apt-get install chromium)"
}

# Where screenshots go: next to the test's log, so they are kept.
SHOTS=${top_builddir:-.}/tests/timeline
mkdir -p "$SHOTS"

# browse ARGS... URL: run headless Chromium, quietly, with a fresh profile.
browse() {
	profile=$(mktemp -d "$TMP/chromium.XXXXXX")
	timeout 120 "$CHROMIUM" --headless --no-sandbox --disable-gpu \
		--disable-quic --no-first-run --disable-background-networking \
		--disable-component-update --disable-sync \
		--user-data-dir="$profile" "$@" 2>"$TMP/chromium.err"
}

# dom FILE [FRAGMENT]: the page's DOM after its script ran, as HTML.
dom() {
	browse --dump-dom "file://$1${2:+#$2}"
}

# body_attr HTML NAME: the value of data-NAME on <body>.
body_attr() {
	printf '%s\n' "$1" | grep -o '<body[^>]*>' |
		sed -n "s/.* data-$2=\"\\([^\"]*\\)\".*/\\1/p"
}

# count HTML PATTERN: how many times an extended regexp matches.
count() {
	printf '%s\n' "$1" | grep -oE "$2" | wc -l | tr -d ' '
}

# screenshot FILE NAME [FRAGMENT]: save $SHOTS/NAME.png of the page.
screenshot() {
	browse --window-size=1400,800 --screenshot="$SHOTS/$2.png" \
		"file://$1${3:+#$3}" >/dev/null ||
		fail "screenshot of $1 failed"
	[ -s "$SHOTS/$2.png" ] || fail "no screenshot $SHOTS/$2.png"
	echo "screenshot: $SHOTS/$2.png"
}
