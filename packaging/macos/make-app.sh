#!/usr/bin/env bash
# macOS recipe for a weft app: a .app bundle and a .dmg (not tested: no macOS
# machine was available; see README, "Packaging").
#
#   weft package path/to/app --no-deb --name "My App" --version 1.0.0
#   packaging/macos/make-app.sh dist/my-app "My App" 1.0.0 [icon.icns]
#
# gives dist/My App.app and dist/my-app-1.0.0.dmg. Signing and notarising
# (codesign --deep --options runtime, xcrun notarytool) are yours to add:
# Gatekeeper blocks unsigned apps downloaded from the internet.
set -euo pipefail

bundle=${1:?usage: make-app.sh BUNDLE_DIR "App Name" VERSION [ICON.icns]}
name=${2:?app name}
version=${3:?version}
icon=${4:-}
id=$(basename "$bundle")
app="$(dirname "$bundle")/$name.app"

rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp -R "$bundle/." "$app/Contents/MacOS/"
if [ -n "$icon" ]; then cp "$icon" "$app/Contents/Resources/app.icns"; fi
sed -e "s/@NAME@/$name/g" -e "s/@ID@/$id/g" -e "s/@VERSION@/$version/g" \
    "$(dirname "$0")/Info.plist.in" > "$app/Contents/Info.plist"

hdiutil create -volname "$name" -srcfolder "$app" -ov -format UDZO "$(dirname "$bundle")/$id-$version.dmg"
