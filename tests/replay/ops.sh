#!/bin/sh
# splice, sendfile, stores through a shared mapping (mmap_write, msync,
# munmap), io_cancel and io_uring registered files and buffers (READ_FIXED,
# WRITE_FIXED, IOSQE_FIXED_FILE) are replayed as real calls: a recording of
# tests/workloads/replay_ops (and of mmap_writer and aio_calls) replays in
# recorded order with 0 divergences and 0 skipped ops, leaving the files
# byte-identical to the recording's.  The content model sees what each of
# them wrote: a read of wrong bytes in a range one of them wrote (the fault
# shim zeroes them) is an impossible outcome naming that op as the writer.
. "${top_srcdir:-.}/tests/lib.sh"
. "${top_srcdir:-.}/tests/replay/replay_lib.sh"
. "${top_srcdir:-.}/tests/record/rec.sh"

W=${top_builddir:-.}/tests/workloads
[ -x "$W/replay_ops" ] || skip "workloads not built"
[ -f "$FAULT_SHIM" ] || skip "fault shim not built ($FAULT_SHIM)"

record_ok replay_ops
t=$TMP/replay_ops.iorr
for op in 'splice\(' 'sendfile\(' 'mmap_write\(' 'msync\(' 'munmap\(' \
	  'aio_cancel\(' 'uring_register\(' 'uring_read_fixed\(' \
	  'uring_write_fixed\(' 'uring_read\(.*IOSQE_FIXED_FILE'; do
	expect_some "$t" " $op"
done
# the bytes a splice moved from a pipe into a file are in the trace
expect_some "$t" ' splice\(fd_in=.*off_out=0,.*data=blob#'
replay_ok replay_ops src.dat dst.dat map.dat

record_ok mmap_writer
replay_ok mmap_writer mapped.dat
record_ok aio_calls -n 8
expect_some "$TMP/aio_calls.iorr" ' aio_cancel\('
replay_ok aio_calls

fault 0 12288 'splice\(fd_in=[0-9]+, off_in=-1, fd_out=[0-9]+, off_out=0,'
fault 12288 4095 'sendfile\('
fault 0 32765 'mmap_write\('
fault 24576 4094 'aio_complete\('
wreq=$("$IORR" dump "$t" | sed -n 's/.* uring_write_fixed(ring=#[0-9]*, req=#\([0-9]*\),.*/\1/p')
[ -n "$wreq" ] || fail "no uring_write_fixed request"
fault 32768 4092 "uring_cqe\(ring=#[0-9]+, req=#$wreq,"
exit 0
