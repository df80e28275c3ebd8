#!/usr/bin/env bash
# Regenerate the recorded clips a display board plays when the browser has no
# Indonesian voice (static/queueing/voice/): the phrases of a call, letter names,
# digits, the words for counter numbers, and a two-tone chime.
#
# Needs espeak-ng (Indonesian voice "id") and sox with MP3 support:
#   apt-get install -y espeak-ng sox libsox-fmt-mp3
# Not run by tests or by the install; the generated clips are committed.
# The word list comes from mpp.queueing.speech.clip_words(), so the clips and the
# board's speech code always agree.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
out="$here/src/mpp/queueing/static/queueing/voice"
python="${PYTHON:-$here/.venv/bin/python}"
rate="${MPP_VOICE_RATE:-16000}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"
rm -f "$out"/*.mp3

encode() { # raw wav -> trimmed, normalised, mono MP3 at $rate Hz, 32 kbit/s
  sox "$1" -r "$rate" -c 1 -C 32 "$2" \
    silence 1 0.02 0.5% reverse silence 1 0.02 0.5% reverse norm -1 pad 0 0.05
}

words="$(PYTHONPATH="$here/src" "$python" -c \
  'from mpp.queueing.speech import clip_words, clip_name
for w in clip_words(): print(w + "\t" + clip_name(w))')"

while IFS=$'\t' read -r word name; do
  espeak-ng -v id -s 140 -p 45 -w "$tmp/$name.wav" "$word"
  encode "$tmp/$name.wav" "$out/$name.mp3"
done <<< "$words"

# Chime: "ding-dong", two soft bell-like tones (E5 then C5) with a decay.
sox -n -r 22050 -c 1 "$tmp/ding.wav" synth 0.9 sine 659.3 sine 1318.5 remix - fade q 0.01 0.9 0.85 vol 0.6
sox -n -r 22050 -c 1 "$tmp/dong.wav" synth 1.3 sine 523.3 sine 1046.5 remix - fade q 0.01 1.3 1.25 vol 0.6
sox "$tmp/ding.wav" "$tmp/dong.wav" "$tmp/chime.wav" splice -q 0.9,0.25
sox "$tmp/chime.wav" -r "$rate" -c 1 -C 48 "$out/chime.mp3" norm -2

du -ch "$out"/*.mp3 | tail -1
