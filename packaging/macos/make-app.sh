#!/usr/bin/env bash
# macOS recipe for a weft app: a .app bundle and a .dmg (not tested: no macOS
# machine was available; see README, "Packaging").
#
#   weft package path/to/app --no-deb
#   packaging/macos/make-app.sh dist/my-app [icon.icns]
#
# gives "dist/My App.app" and dist/my-app-1.0.0.dmg. Its Info.plist is the one
# `weft package` wrote into dist/build/my-app/ from the app's weft.toml: bundle
# id, name, version, and the URL schemes of its protocols (macOS delivers
# those URLs as open-URL events). Signing and notarising (codesign --deep
# --options runtime, xcrun notarytool) are yours to add: Gatekeeper blocks
# unsigned apps downloaded from the internet.
set -euo pipefail

bundle=${1:?usage: make-app.sh BUNDLE_DIR [ICON.icns]}
icon=${2:-}
package=$(basename "$bundle")
dist=$(dirname "$bundle")
plist="$dist/build/$package/Info.plist"
[ -f "$plist" ] || { echo "make-app.sh: no $plist; run weft package first" >&2; exit 2; }
name=$(/usr/libexec/PlistBuddy -c "Print :CFBundleName" "$plist")
version=$(/usr/libexec/PlistBuddy -c "Print :CFBundleShortVersionString" "$plist")
app="$dist/$name.app"

rm -rf "$app"
mkdir -p "$app/Contents/MacOS" "$app/Contents/Resources"
cp -R "$bundle/." "$app/Contents/MacOS/"
if [ -n "$icon" ]; then cp "$icon" "$app/Contents/Resources/app.icns"; fi
cp "$plist" "$app/Contents/Info.plist"

hdiutil create -volname "$name" -srcfolder "$app" -ov -format UDZO "$dist/$package-$version.dmg"
