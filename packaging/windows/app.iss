; Inno Setup recipe for a weft app on Windows (not tested: no Windows machine
; was available; see README, "Packaging").
;
; 1. On Windows, with Python 3.11 and `pip install weft[package]`:
;      weft package path\to\app --no-deb --name "My App" --version 1.0.0
;    gives dist\my-app\ (the PyInstaller one-folder bundle, my-app.exe inside).
; 2. Install Inno Setup 6, then:
;      iscc /DAppName="My App" /DAppId=my-app /DAppVersion=1.0.0 /DBundle=dist\my-app packaging\windows\app.iss
;    gives dist\my-app-1.0.0-setup.exe.
; Chromium's sandbox works on Windows as a normal user: do not pass --no-sandbox.

#ifndef AppName
  #define AppName "weft app"
#endif
#ifndef AppId
  #define AppId "weft-app"
#endif
#ifndef AppVersion
  #define AppVersion "0.1.0"
#endif
#ifndef Bundle
  #define Bundle "dist\" + AppId
#endif

[Setup]
AppId={#AppId}
AppName={#AppName}
AppVersion={#AppVersion}
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
OutputDir=dist
OutputBaseFilename={#AppId}-{#AppVersion}-setup
Compression=lzma2/max
SolidCompression=yes
ArchitecturesInstallIn64BitMode=x64compatible
PrivilegesRequiredOverridesAllowed=dialog

[Files]
Source: "{#Bundle}\*"; DestDir: "{app}"; Flags: recursesubdirs createallsubdirs ignoreversion

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppId}.exe"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppId}.exe"; Tasks: desktopicon

[Tasks]
Name: "desktopicon"; Description: "Create a desktop shortcut"; Flags: unchecked

[Run]
Filename: "{app}\{#AppId}.exe"; Description: "Start {#AppName}"; Flags: nowait postinstall skipifsilent
