; Inno Setup script for ${name}, written by `weft package` from
; weft/packaging/windows/app.iss into dist\build\${package}\app.iss.
; Not tested: no Windows machine was available (see README, "Packaging").
;
; 1. On Windows, with Python 3.11 and `pip install weft[package]`:
;      weft package path\to\app --no-deb
;    gives dist\${package}\ (the PyInstaller one-folder bundle, ${package}.exe
;    inside) and this script.
; 2. Install Inno Setup 6, then:
;      iscc dist\build\${package}\app.iss
;    gives dist\${package}-${version}-setup.exe.
; Chromium's sandbox works on Windows as a normal user: do not pass --no-sandbox.
; Paths are relative to this script's folder.

[Setup]
AppId=${app_id}
AppName=${name}
AppVersion=${version}
DefaultDirName={autopf}\${folder}
DefaultGroupName=${folder}
UninstallDisplayIcon=${exe}
OutputDir=..\..
OutputBaseFilename=${package}-${version}-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "..\..\${package}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\${folder}"; Filename: "${exe}"
Name: "{autodesktop}\${folder}"; Filename: "${exe}"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "${exe}"; Description: "Start ${quoted_name}"; Flags: nowait postinstall skipifsilent

${registry}
