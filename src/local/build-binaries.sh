#!/usr/bin/env bash
# Builds the real control-plane binaries the tests run (kube-apiserver, etcd, kubectl, helm)
# from Go modules, with the local Go toolchain. Idempotent: a binary already in the cache is kept.
# Cache: $NCO_CACHE (default ~/.cache/native-container-operator)/bin/<component>-<version>.
set -euo pipefail

K8S_VERSION=${K8S_VERSION:-v1.35.4}
ETCD_VERSION=${ETCD_VERSION:-v3.6.16}
HELM_VERSION=${HELM_VERSION:-v3.19.0}
CACHE=${NCO_CACHE:-$HOME/.cache/native-container-operator}
BIN=$CACHE/bin
WORK=$CACHE/build
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false CGO_ENABLED=0
mkdir -p "$BIN" "$WORK"

log() { printf '[build-binaries] %s\n' "$*" >&2; }

# Published staging modules are tagged v0.<minor>.<patch> for Kubernetes v1.<minor>.<patch>.
STAGING_VERSION=v0.${K8S_VERSION#v1.}

# k8s.io/kubernetes replaces its staging modules with local paths, which `go install` refuses;
# a wrapper module requires it and points every one of those at its published version.
# build_kubernetes_component NAME CONSTRUCTOR: cmd/NAME/app's CONSTRUCTOR makes the command.
build_kubernetes_component() {
  local name=$1 constructor=$2
  local out=$BIN/$name-$K8S_VERSION
  [ -x "$out" ] && return 0
  local dir=$WORK/$name-$K8S_VERSION
  mkdir -p "$dir"
  log "building $name $K8S_VERSION in $dir"
  local modfile
  modfile=$(cd "$dir" && go mod download -json "k8s.io/kubernetes@$K8S_VERSION" | sed -n 's/.*"GoMod": "\(.*\)".*/\1/p')
  {
    echo "module nco.local/$name"
    echo "go 1.25.0"
    echo "require k8s.io/kubernetes $K8S_VERSION"
    grep -E '=> \./staging/src/' "$modfile" | awk -v v="$STAGING_VERSION" '{print "replace " $1 " => " $1 " " v}'
  } >"$dir/go.mod"
  cat >"$dir/main.go" <<GO
package main

import (
	"os"

	"k8s.io/component-base/cli"
	"k8s.io/kubernetes/cmd/$name/app"
)

func main() { os.Exit(cli.Run(app.$constructor())) }
GO
  (cd "$dir" && go mod tidy >/dev/null && go build -o "$out.tmp" -ldflags "$(version_ldflags)" . && mv "$out.tmp" "$out")
}

build_apiserver() { build_kubernetes_component kube-apiserver NewAPIServerCommand; }

# The quota test runs kube-controller-manager's resourcequota controller, which fills in
# ResourceQuota status (quota admission refuses creates until it has one).
build_controller_manager() { build_kubernetes_component kube-controller-manager NewControllerManagerCommand; }

version_ldflags() {
  local minor=${K8S_VERSION#v1.}; minor=${minor%%.*}
  local p=k8s.io/component-base/version
  echo "-s -w -X $p.gitVersion=$K8S_VERSION -X $p.gitMajor=1 -X $p.gitMinor=$minor -X $p.gitTreeState=clean"
}

build_kubectl() {
  local out=$BIN/kubectl-$K8S_VERSION
  [ -x "$out" ] && return 0
  local dir=$WORK/kubectl-$K8S_VERSION
  mkdir -p "$dir"
  log "building kubectl $K8S_VERSION"
  cat >"$dir/go.mod" <<MOD
module nco.local/kubectl
go 1.25.0
require (
	k8s.io/kubectl $STAGING_VERSION
	k8s.io/component-base $STAGING_VERSION
)
MOD
  cat >"$dir/main.go" <<'GO'
package main

import (
	"k8s.io/component-base/cli"
	"k8s.io/kubectl/pkg/cmd"
	"k8s.io/kubectl/pkg/cmd/util"
)

func main() {
	command := cmd.NewDefaultKubectlCommand()
	if err := cli.RunNoErrOutput(command); err != nil {
		util.CheckErr(err)
	}
}
GO
  (cd "$dir" && go mod tidy >/dev/null && go build -o "$out.tmp" -ldflags "$(version_ldflags)" . && mv "$out.tmp" "$out")
}

build_etcd() {
  local out=$BIN/etcd-$ETCD_VERSION
  [ -x "$out" ] && return 0
  local dir=$WORK/etcd-$ETCD_VERSION
  mkdir -p "$dir"
  log "building etcd $ETCD_VERSION"
  cat >"$dir/go.mod" <<MOD
module nco.local/etcd
go 1.25.0
require go.etcd.io/etcd/server/v3 $ETCD_VERSION
MOD
  cat >"$dir/main.go" <<'GO'
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
GO
  (cd "$dir" && go mod tidy >/dev/null && go build -o "$out.tmp" -ldflags "-s -w" . && mv "$out.tmp" "$out")
}

build_helm() {
  local out=$BIN/helm-$HELM_VERSION
  [ -x "$out" ] && return 0
  log "building helm $HELM_VERSION"
  local v=${HELM_VERSION#v}
  GOBIN=$WORK/helm-$HELM_VERSION go install \
    -ldflags "-s -w -X helm.sh/helm/v3/internal/version.version=$HELM_VERSION" \
    "helm.sh/helm/v3/cmd/helm@$HELM_VERSION"
  mv "$WORK/helm-$HELM_VERSION/helm" "$out"
  : "$v"
}

# Stable names the harness uses; each points at the pinned version.
link() { ln -sf "$BIN/$1-$2" "$BIN/$1"; }

what=${1:-all}
case $what in
  all) build_etcd; build_apiserver; build_controller_manager; build_kubectl; build_helm ;;
  control-plane) build_etcd; build_apiserver; build_kubectl ;;
  *) "build_$what" ;;
esac
[ -x "$BIN/etcd-$ETCD_VERSION" ] && link etcd "$ETCD_VERSION"
[ -x "$BIN/kube-apiserver-$K8S_VERSION" ] && link kube-apiserver "$K8S_VERSION"
[ -x "$BIN/kube-controller-manager-$K8S_VERSION" ] && link kube-controller-manager "$K8S_VERSION"
[ -x "$BIN/kubectl-$K8S_VERSION" ] && link kubectl "$K8S_VERSION"
[ -x "$BIN/helm-$HELM_VERSION" ] && link helm "$HELM_VERSION"
log "binaries in $BIN: $(ls "$BIN" | tr '\n' ' ')"
