<#
.SYNOPSIS
  Installs the Deckhand agent as a Windows service (Windows PowerShell 5.1 or later).

.DESCRIPTION
  Served by the coordinator with its URL filled in. As Administrator:

    & ([scriptblock]::Create((irm https://COORDINATOR/install.ps1))) -Token TOKEN -Tag env=prod

  Downloads the agent package, checks its sha256, unpacks it under
  %ProgramFiles%\Deckhand\releases, registers the host once (state in %ProgramData%\Deckhand)
  and installs the deckhand-agent service through WinSW with restart-on-failure recovery.
  Running it again upgrades in place between deployments, keeping identity and journal.
  This script is a thin shell: paths, the WinSW service definition and the recovery settings
  come from lib\windows-service.mjs in the package (installers/windows/*.ts, tested on Linux).
#>
[CmdletBinding()]
param(
  [string]$Coordinator = '',
  [string]$Token = $env:DECKHAND_REGISTRATION_TOKEN,
  [string]$CaSha256 = '',
  [string[]]$Tag = @(),
  [string]$Node = '',
  [string]$WinSW = '',
  [string]$WinSWSha256 = '',
  [int]$Wait = 3600,
  [switch]$NoStart,
  [switch]$DryRun,
  [switch]$Uninstall,
  [switch]$KeepRegistration
)
Set-StrictMode -Version 3.0
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'

# Replaced by the coordinator when it serves this script (the CA fingerprint with --tls auto).
$DefaultCoordinatorUrl = '@DECKHAND_COORDINATOR_URL@'
$DefaultCaSha256 = '@DECKHAND_CA_SHA256@'
# WinSW 2.12.0 (MIT, .NET Framework 4.6.1, present on every supported Windows).
$WinSWUrl = 'https://github.com/winsw/winsw/releases/download/v2.12.0/WinSW-x64.exe'

function Say([string]$Message) { Write-Host "==> $Message" }

# Runs a native command and throws when it fails (PowerShell 5.1 does not).
function Invoke-Native([string]$Exe, [string[]]$Arguments) {
  if ($DryRun) { Write-Host "+ $Exe $($Arguments -join ' ')"; return '' }
  $out = & $Exe @Arguments
  if ($LASTEXITCODE -ne 0) { throw "install.ps1: $Exe $($Arguments -join ' ') failed with exit code $LASTEXITCODE" }
  return $out
}

# The package carries its own node.exe (runtime\node.exe); -Node names another one (20 or later).
function Find-Node {
  if (-not $Node) { return '' }
  if (-not (Test-Path -LiteralPath $Node)) { throw "install.ps1: -Node $Node does not exist" }
  $major = [int](& $Node -p 'process.versions.node.split(".")[0]')
  if ($major -lt 20) { throw "install.ps1: $Node is Node.js $(& $Node --version); Deckhand needs 20 or later" }
  return (Resolve-Path -LiteralPath $Node).Path
}

# The node.exe that runs the agent from a release folder: -Node's, else the release's own.
function Get-NodeFor([string]$NodeExe, [string]$Release) {
  if ($NodeExe) { return $NodeExe }
  return "$Release\runtime\node.exe"
}

function Get-Plan([string]$NodeExe, [string]$Release, [string]$ReleaseId, [switch]$Write) {
  $planArgs = @("$Release\lib\windows-service.mjs", 'plan', '--program-files', $env:ProgramFiles,
    '--program-data', $env:ProgramData, '--release-id', $ReleaseId)
  if ($NodeExe) { $planArgs += @('--node', $NodeExe) }
  if ($Write) { $planArgs += '--write' }
  $json = & (Get-NodeFor $NodeExe $Release) @planArgs
  if ($LASTEXITCODE -ne 0) { throw "install.ps1: the install plan could not be made (exit code $LASTEXITCODE)" }
  return $json | ConvertFrom-Json
}

# Waits until no deployment runs; returns the instance id, or '' when the host is not registered.
function Wait-Idle($Plan) {
  $state = & $Plan.nodeExe $Plan.agentScript upgrade-check --root $Plan.stateDir --wait $Wait
  if ($LASTEXITCODE -eq 75) { throw "install.ps1: a deployment is still running after $Wait s; nothing was changed: run the installer again when it is over" }
  if ($LASTEXITCODE -ne 0) { throw "install.ps1: cannot read the agent's journal in $($Plan.stateDir)" }
  $parsed = $state | ConvertFrom-Json
  if ($parsed.registered) { return $parsed.instanceId } else { return '' }
}

# With a pinned CA fingerprint, every download must come from a server whose chain ends in that
# CA: the chain is built with the CA fetched (unverified) from the coordinator, which must hash to
# the pin, as the only extra trust anchor.
function Use-PinnedCa([string]$Url, [string]$Pin) {
  if (-not $Pin) { return }
  $Pin = $Pin.Replace(':', '').ToLowerInvariant()
  if ($Pin -notmatch '^[0-9a-f]{64}$') { throw 'install.ps1: -CaSha256 must be 64 hex digits' }
  if (-not $Url.StartsWith('https://')) { throw 'install.ps1: a CA fingerprint is given, so -Coordinator must be https://' }
  [Net.ServicePointManager]::ServerCertificateValidationCallback = { $true }
  $pem = (Invoke-WebRequest -UseBasicParsing -Uri "$Url/v1/tls/ca.pem").Content
  $ca = [Security.Cryptography.X509Certificates.X509Certificate2]::new([Text.Encoding]::ASCII.GetBytes($pem))
  $sha = [BitConverter]::ToString([Security.Cryptography.SHA256]::Create().ComputeHash($ca.RawData)).Replace('-', '').ToLowerInvariant()
  if ($sha -ne $Pin) { [Net.ServicePointManager]::ServerCertificateValidationCallback = $null; throw "install.ps1: the coordinator's CA fingerprint is $sha, not the pinned $Pin: not installing" }
  $script:PinnedCa = $ca
  [Net.ServicePointManager]::ServerCertificateValidationCallback = {
    param($sender, $cert, $chain, $errors)
    $c = [Security.Cryptography.X509Certificates.X509Chain]::new()
    $c.ChainPolicy.ExtraStore.Add($script:PinnedCa) | Out-Null
    $c.ChainPolicy.VerificationFlags = 'AllowUnknownCertificateAuthority'
    $c.ChainPolicy.RevocationMode = 'NoCheck'
    if (-not $c.Build([Security.Cryptography.X509Certificates.X509Certificate2]::new($cert))) { return $false }
    $root = $c.ChainElements[$c.ChainElements.Count - 1].Certificate
    return $root.RawData.Length -eq $script:PinnedCa.RawData.Length -and $root.Thumbprint -eq $script:PinnedCa.Thumbprint
  }
}

function Get-Package([string]$Url, [string]$Work) {
  $platform = 'win32-x64'
  Say "downloading the agent package for $platform from $Url"
  Invoke-WebRequest -UseBasicParsing -Uri "$Url/v1/agent/package?platform=$platform" -OutFile "$Work\package.zip"
  $expected = ((Invoke-WebRequest -UseBasicParsing -Uri "$Url/v1/agent/package.sha256?platform=$platform").Content -split ' ')[0].Trim()
  $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath "$Work\package.zip").Hash.ToLowerInvariant()
  if ($expected -ne $actual) { throw "install.ps1: the agent package's checksum is wrong: expected $expected, got $actual" }
  Expand-Archive -LiteralPath "$Work\package.zip" -DestinationPath "$Work\unpacked" -Force
  return $actual.Substring(0, 12)
}

function Install-WinSW($Plan) {
  if (Test-Path -LiteralPath $Plan.winswExe) { return }
  if ($WinSW) { Copy-Item -LiteralPath $WinSW -Destination $Plan.winswExe; return }
  Say "downloading WinSW from $WinSWUrl"
  Invoke-WebRequest -UseBasicParsing -Uri $WinSWUrl -OutFile $Plan.winswExe
  if ($WinSWSha256) {
    $actual = (Get-FileHash -Algorithm SHA256 -LiteralPath $Plan.winswExe).Hash.ToLowerInvariant()
    if ($actual -ne $WinSWSha256.ToLowerInvariant()) { Remove-Item -LiteralPath $Plan.winswExe; throw "install.ps1: WinSW's checksum is wrong: got $actual" }
  } else {
    Write-Warning 'WinSW was downloaded over HTTPS but not checked against a pinned sha256: pass -WinSWSha256 or -WinSW PATH'
  }
}

function Install-Agent([string]$NodeExe) {
  $url = if ($Coordinator) { $Coordinator } elseif (-not $DefaultCoordinatorUrl.StartsWith('@')) { $DefaultCoordinatorUrl } else { '' }
  if ($url -notmatch '^https?://.') { throw 'install.ps1: -Coordinator must be an http:// or https:// URL' }
  $url = $url.TrimEnd('/')
  $pin = if ($CaSha256) { $CaSha256 } elseif (-not $DefaultCaSha256.StartsWith('@')) { $DefaultCaSha256 } else { '' }
  Use-PinnedCa $url $pin
  $work = Join-Path ([IO.Path]::GetTempPath()) ("deckhand-" + [guid]::NewGuid().ToString('N'))
  New-Item -ItemType Directory -Path $work | Out-Null
  try {
    $releaseId = Get-Package $url $work
    $plan = Get-Plan $NodeExe "$work\unpacked\deckhand-agent" $releaseId
    if ($DryRun) { $plan | ConvertTo-Json -Depth 4; return }
    if (-not (Test-Path -LiteralPath $plan.releaseDir)) {
      New-Item -ItemType Directory -Force -Path (Split-Path -Parent $plan.releaseDir) | Out-Null
      Move-Item -LiteralPath "$work\unpacked\deckhand-agent" -Destination $plan.releaseDir
    }
    # The package carries node.exe and better-sqlite3's Node-API binary for Windows; under -Node,
    # an older Node.js (20) may need better-sqlite3 12, which npm fetches.
    & $plan.nodeExe $plan.agentScript self-check | Out-Null
    if ($LASTEXITCODE -ne 0) {
      if (-not $NodeExe) { throw 'install.ps1: the agent package does not run on this host (deckhand-agent self-check failed)' }
      Push-Location $plan.releaseDir
      try { Invoke-Native 'npm.cmd' @('install', '--omit=dev', '--no-audit', '--no-fund') | Out-Null } finally { Pop-Location }
    }
    $instanceId = Wait-Idle $plan
    if ($instanceId) {
      Say "upgrading $instanceId in place (its identity and journal stay in $($plan.stateDir))"
    } else {
      if (-not $Token) { throw 'install.ps1: this host is not registered yet: -Token is required' }
      $registerArgs = @($plan.agentScript, 'register', '--coordinator', $url, '--token', $Token, '--root', $plan.stateDir)
      if ($pin) { $registerArgs += @('--ca-sha256', $pin) }
      foreach ($t in $Tag) { $registerArgs += @('--tag', $t) }
      $instanceId = Invoke-Native $plan.nodeExe $registerArgs
      Say "registered this host as $instanceId"
    }
    $service = Get-Service -Name $plan.serviceName -ErrorAction SilentlyContinue
    if ($service) { Stop-Service -Name $plan.serviceName }
    $plan = Get-Plan $NodeExe $plan.releaseDir $releaseId -Write
    Install-WinSW $plan
    if (-not $service) {
      Invoke-Native $plan.winswExe @('install') | Out-Null
      foreach ($recovery in $plan.recovery) { Invoke-Native 'sc.exe' ([string[]]$recovery) | Out-Null }
    }
    Get-ChildItem -LiteralPath (Split-Path -Parent $plan.releaseDir) -Directory |
      Where-Object { $_.FullName -ne $plan.releaseDir } | Remove-Item -Recurse -Force
    if ($NoStart) { Say "not started (-NoStart): Start-Service $($plan.serviceName)" } else { Start-Service -Name $plan.serviceName }
    Say "deckhand-agent is installed in $($plan.installDir) as $instanceId"
  } finally {
    Remove-Item -LiteralPath $work -Recurse -Force -ErrorAction SilentlyContinue
  }
}

function Uninstall-Agent([string]$NodeExe) {
  $releases = Join-Path $env:ProgramFiles 'Deckhand\releases'
  $release = Get-ChildItem -LiteralPath $releases -Directory -ErrorAction SilentlyContinue | Select-Object -First 1
  if (-not $release) { throw "install.ps1: no Deckhand agent is installed under $releases" }
  $plan = Get-Plan $NodeExe $release.FullName $release.Name
  $instanceId = Wait-Idle $plan
  if (Get-Service -Name $plan.serviceName -ErrorAction SilentlyContinue) {
    Invoke-Native $plan.winswExe @('stop') | Out-Null
    Invoke-Native $plan.winswExe @('uninstall') | Out-Null
  }
  if ($instanceId -and -not $KeepRegistration) {
    Invoke-Native $plan.nodeExe @($plan.agentScript, 'deregister', '--root', $plan.stateDir) | Out-Null
  }
  if ($DryRun) { return }
  Remove-Item -LiteralPath $plan.installDir -Recurse -Force
  if (-not $KeepRegistration) { Remove-Item -LiteralPath $plan.stateDir -Recurse -Force -ErrorAction SilentlyContinue }
  Say "deckhand-agent is uninstalled"
}

$principal = New-Object Security.Principal.WindowsPrincipal([Security.Principal.WindowsIdentity]::GetCurrent())
if (-not $DryRun -and -not $principal.IsInRole([Security.Principal.WindowsBuiltInRole]::Administrator)) {
  throw 'install.ps1: run this from an elevated PowerShell (Run as Administrator)'
}
[Net.ServicePointManager]::SecurityProtocol = [Net.ServicePointManager]::SecurityProtocol -bor [Net.SecurityProtocolType]::Tls12
$nodeExe = Find-Node
if ($Uninstall) { Uninstall-Agent $nodeExe } else { Install-Agent $nodeExe }
