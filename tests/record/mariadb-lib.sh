# MariaDB server runs, shared by tests/record/mariadb.sh and
# traces/regen-mariadb.sh (POSIX sh, sourced).  A server in a private
# datadir, a unix socket there and no network, InnoDB on native AIO
# (io_uring, or libaio when io_uring is unavailable), a small transactional
# workload through the mariadb client, and a clean shutdown.

md_find() {	# first of the named programs on PATH
	for n in "$@"; do
		command -v "$n" 2>/dev/null && return 0
	done
	return 1
}

MD_SERVER=$(md_find mariadbd mysqld) || MD_SERVER=
MD_CLIENT=$(md_find mariadb mysql) || MD_CLIENT=
MD_ADMIN=$(md_find mariadb-admin mysqladmin) || MD_ADMIN=
MD_INSTALL=$(md_find mariadb-install-db mysql_install_db) || MD_INSTALL=

# md_missing: the name of a missing program, or nothing.
md_missing() {
	[ -n "$MD_SERVER" ] || { echo mariadbd; return; }
	[ -n "$MD_CLIENT" ] || { echo mariadb; return; }
	[ -n "$MD_ADMIN" ] || { echo mariadb-admin; return; }
	[ -n "$MD_INSTALL" ] || echo mariadb-install-db
}

# md_sql ROWS: the workload.  Four transactions insert ROWS rows, one
# updates and deletes some, one is rolled back; then CHECKSUM TABLE and a
# digest of every row.
md_sql() {
	cat <<'EOF'
CREATE DATABASE w;
USE w;
CREATE TABLE t (id INT PRIMARY KEY, v INT NOT NULL, s VARCHAR(100))
  ENGINE=InnoDB;
EOF
	awk -v n="$1" 'BEGIN {
		q = n / 4
		for (b = 0; b < 4; b++) {
			printf "BEGIN;\nINSERT INTO t VALUES "
			for (i = b * q; i < (b + 1) * q; i++)
				printf "%s(%d,%d,\047r%dr%dr%d\047)",
					i == b * q ? "" : ",", i,
					(i * 7) % 1000, i, i, i
			printf ";\nCOMMIT;\n"
		}
	}'
	cat <<'EOF'
BEGIN;
UPDATE t SET v = v + 1 WHERE id % 3 = 0;
DELETE FROM t WHERE id % 7 = 0;
COMMIT;
BEGIN;
UPDATE t SET s = 'gone' WHERE id < 10;
ROLLBACK;
CHECKSUM TABLE t;
SELECT COUNT(*), SUM(v), MD5(GROUP_CONCAT(id, ':', v, ':', s ORDER BY id))
  FROM t;
EOF
}

# md_install DIR: a fresh datadir (root may log in without a password).
md_install() {
	mkdir -p "$1" &&
	"$MD_INSTALL" --no-defaults --datadir="$1" \
		${MD_ROOT_USER:+--user=root} \
		--auth-root-authentication-method=normal --skip-test-db \
		>"$1.install.log" 2>&1
}

[ "$(id -u)" -eq 0 ] && MD_ROOT_USER=1 || MD_ROOT_USER=

# md_start DATADIR [WRAPPER...]: start the server in the background (the
# wrapper, e.g. iorr record ... --, before it), wait until it answers.
# Sets md_pid (the background job).  Status 1 if it did not come up.
md_start() {
	md_dir=$1
	shift
	rm -f "$md_dir/err.log"
	"$@" "$MD_SERVER" --no-defaults --datadir="$md_dir" \
		--socket="$md_dir/s.sock" --skip-networking \
		--pid-file="$md_dir/p.pid" --log-error="$md_dir/err.log" \
		${MD_ROOT_USER:+--user=root} \
		--innodb-use-native-aio=1 --innodb-buffer-pool-size=16M \
		--innodb-flush-method=O_DIRECT \
		>"$md_dir.stdout" 2>"$md_dir.stderr" &
	md_pid=$!
	for _ in $(seq 600); do
		"$MD_ADMIN" -S "$md_dir/s.sock" -u root --connect-timeout=2 \
			ping >/dev/null 2>&1 && return 0
		kill -0 "$md_pid" 2>/dev/null || break
		sleep 0.1
	done
	return 1
}

# md_client DATADIR < SQL: run SQL, output to stdout.
md_client() {
	"$MD_CLIENT" -S "$1/s.sock" -u root --batch
}

# md_stop DATADIR: clean shutdown, wait for the job (at most 2 minutes,
# then it is killed: status 124); its status in md_rc.
md_stop() {
	"$MD_ADMIN" -S "$1/s.sock" -u root shutdown >/dev/null 2>&1
	for _ in $(seq 1200); do
		kill -0 "$md_pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$md_pid" 2>/dev/null; then
		md_kill
		md_rc=124
		return
	fi
	wait "$md_pid"
	md_rc=$?
	md_pid=
}

# md_kill: stop a server left running (a failed test), by its pid.
md_kill() {
	[ -n "${md_pid:-}" ] || return 0
	kill "$md_pid" 2>/dev/null
	[ -n "${md_dir:-}" ] && [ -r "$md_dir/p.pid" ] &&
		kill "$(cat "$md_dir/p.pid")" 2>/dev/null
	wait "$md_pid" 2>/dev/null
	md_pid=
}

# md_engine DATADIR: what InnoDB said it uses: uring, libaio or none.
md_engine() {
	if grep -q 'InnoDB: Using io_uring' "$1/err.log"; then
		echo uring
	elif grep -q 'InnoDB: Using Linux native AIO' "$1/err.log"; then
		echo libaio
	else
		echo none
	fi
}
