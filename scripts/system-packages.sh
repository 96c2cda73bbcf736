#!/usr/bin/env bash
# Debian/Ubuntu packages the app and its tests need. Skips what is already there; needs
# root (or sudo) only when something is missing.
set -euo pipefail
needed=()
want() { dpkg -s "$1" >/dev/null 2>&1 || needed+=("$1"); }
if command -v dpkg >/dev/null 2>&1; then
  # Qt's offscreen/xcb platforms and fontconfig
  want libegl1; want libxkbcommon0; want libfontconfig1; want libgl1
  # Qt's xcb platform on a real X display (the window on a clerk's Linux desktop)
  want libxkbcommon-x11-0; want libxcb-cursor0; want libxcb-icccm4; want libxcb-keysyms1
  want libxcb-image0; want libxcb-render-util0; want libxcb-shape0; want libxcb-randr0
  want libxcb-xinerama0; want libxcb-xkb1
  # poppler-utils renders PDFs to PNG for the docs and the tests
  want poppler-utils
  # CJK TrueType (glyf) fonts that reportlab can embed in receipts: WenQuanYi Micro Hei
  # as the main font, HanaMin A/B for rare name characters (CJK Extension A/B).
  # (Noto CJK is CFF/OTF, which reportlab cannot embed.)
  want fonts-wqy-microhei; want fonts-hanazono
fi
if [ ${#needed[@]} -gt 0 ]; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${needed[@]}" >/dev/null
fi
