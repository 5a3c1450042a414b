#!/usr/bin/env bash
# Installs the Debian packages broadsheet needs, only those that are missing.
set -euo pipefail

packages=(
  fonts-noto-cjk       # Noto Serif CJK SC (body), Noto Sans CJK SC (headlines)
  fonts-lxgw-wenkai    # LXGW WenKai: the Kai face of the editor's note
  fontconfig           # fc-list, used by `broadsheet doctor`
  libharfbuzz-subset0  # font subsetting ~40x faster than WeasyPrint's fontTools fallback
  libpango-1.0-0 libpangoft2-1.0-0  # WeasyPrint's text engine
  qpdf                 # qpdf --check in tests and preflight
  libgs-common         # free CMYK ICC profile (ghostscript's default_cmyk.icc): PDF/X output intent
  faketime             # tests: an archive rebuilt under another day's clock is byte-identical
  poppler-utils        # pdftotext in typography tests
  chromium             # tests: broadsheet preview driven in a headless browser (Playwright)
  python3-venv
)

missing=()
for pkg in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$pkg")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "Installing system packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then sudo="sudo"; fi
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
