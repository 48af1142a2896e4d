#!/usr/bin/env bash
# Smoke run of the real window: start ProcLab under a private Xvfb with children running,
# check it is still alive after a few seconds, ask it to quit (SIGTERM, as a desktop
# session would), and check it exits cleanly with every child gone.
set -u
bin=${1:?usage: smoke.sh BINARY}
tmp=$(mktemp -d)
disp=:$((200 + RANDOM % 300))
Xvfb "$disp" -screen 0 1280x900x24 -nolisten tcp >"$tmp/xvfb.log" 2>&1 &
xpid=$!
cleanup() { kill "$apid" 2>/dev/null; kill "$xpid" 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
# Wait for the X server's socket rather than guess how long it takes to start.
for _ in $(seq 100); do [ -S "/tmp/.X11-unix/X${disp#:}" ] && break; sleep 0.1; done
if [ ! -S "/tmp/.X11-unix/X${disp#:}" ]; then echo "smoke: Xvfb did not start:"; cat "$tmp/xvfb.log"; exit 1; fi
HOME=$tmp XDG_CACHE_HOME=$tmp/cache XDG_CONFIG_HOME=$tmp/config DISPLAY=$disp \
	"$bin" --tab kill --demo >"$tmp/app.log" 2>&1 &
apid=$!
sleep 5
if ! kill -0 "$apid" 2>/dev/null; then
	echo "smoke: the window exited within 5 s:"; cat "$tmp/app.log"; exit 1
fi
kids=$(cat /proc/$apid/task/*/children 2>/dev/null)
kill -TERM "$apid"
for _ in $(seq 100); do kill -0 "$apid" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$apid" 2>/dev/null; then
	echo "smoke: the app did not exit within 10 s of SIGTERM"; cat "$tmp/app.log"; exit 1
fi
wait "$apid"; rc=$?
if [ "$rc" != 0 ]; then echo "smoke: the app exited with $rc:"; cat "$tmp/app.log"; exit 1; fi
for k in $kids; do
	if [ -e /proc/$k ] && ! grep -q '^State:.*Z' /proc/$k/status 2>/dev/null; then
		echo "smoke: child $k outlived the app"; exit 1
	fi
done
echo "smoke: window ran 5 s with $(echo $kids | wc -w) children, quit on SIGTERM, exit 0, no child left"
