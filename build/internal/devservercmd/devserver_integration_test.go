package devservercmd

import (
	"context"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/acme/platform/libs/testenv"
	"github.com/acme/platform/libs/testenv/pyenv"
)

//go:embed requirements-ansible-lint.txt
var ansibleLintRequirements []byte

// needProgram returns a program from PATH, or fails with how to install it
// (only -short skips).
func needProgram(t *testing.T, name, install string) string {
	t.Helper()
	if testing.Short() {
		t.Skipf("-short: skipping a test that runs %s", name)
	}
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found on PATH: %s", name, install)
	}
	return p
}

func playbookDir(t *testing.T) (root, dir string) {
	t.Helper()
	root, err := testenv.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root, filepath.Join(root, Dir)
}

// command runs a program and fails the test with its output when it fails.
func command(t *testing.T, dir string, env []string, name string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestIntegrationPlaybookSyntax(t *testing.T) {
	t.Parallel()
	bin := needProgram(t, "ansible-playbook", "apt-get install ansible (Debian's package; .ci/apt.d/infra.txt)")
	_, dir := playbookDir(t)
	command(t, dir, []string{"ANSIBLE_CONFIG=" + filepath.Join(dir, "ansible.cfg")}, bin, "--syntax-check", "site.yml")
}

func TestIntegrationAnsibleLint(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("-short: skipping ansible-lint")
	}
	root, dir := playbookDir(t)
	env, err := pyenv.Ensure(context.Background(), root, "ansible-lint", ansibleLintRequirements, func(s string) { t.Log(s) })
	if err != nil {
		t.Fatalf("ansible-lint venv: %v (needs Python 3.11+ with venv: apt-get install python3-venv)", err)
	}
	// The production profile and --offline come from .ansible-lint; they
	// are repeated so that the test does not depend on the file.
	out := command(t, dir, []string{"PATH=" + filepath.Join(env.Dir, "bin") + ":" + os.Getenv("PATH")}, env.Bin("ansible-lint"), "--offline", "--profile", "production", "--nocolor", "site.yml", "roles")
	if !strings.Contains(out, "Profile 'production' was required, and it passed") {
		t.Errorf("ansible-lint did not pass the production profile:\n%s", out)
	}
}

// Debian release and mirror of the throwaway root.
const (
	suite         = "bookworm"
	defaultMirror = "http://deb.debian.org/debian"
)

// baseRoot returns a tarball of a minimal Debian root with python3, sshd
// and sudo, made by debootstrap once and cached under .mono/devserver.
func baseRoot(t *testing.T, root string) string {
	t.Helper()
	debootstrap := needProgram(t, "debootstrap", "apt-get install debootstrap (.ci/apt.d/infra.txt)")
	cache := filepath.Join(root, ".mono", "devserver")
	if err := os.MkdirAll(cache, 0o755); err != nil {
		t.Fatal(err)
	}
	tarball := filepath.Join(cache, suite+"-minbase-sshd.tar.gz")
	lock, err := os.OpenFile(tarball+".lock", os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Close()
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX); err != nil {
		t.Fatal(err)
	}
	defer syscall.Flock(int(lock.Fd()), syscall.LOCK_UN)
	if _, err := os.Stat(tarball); err == nil {
		return tarball
	}
	mirror := os.Getenv("DEBOOTSTRAP_MIRROR")
	if mirror == "" {
		mirror = defaultMirror
	}
	dir, err := os.MkdirTemp(cache, "build-")
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	start := time.Now()
	t.Logf("debootstrap %s from %s (first run only; cached as %s)", suite, mirror, tarball)
	command(t, "", nil, debootstrap, "--variant=minbase", "--include=python3,openssh-server,sudo", suite, dir, mirror)
	command(t, "", nil, "tar", "-C", dir, "-czf", tarball+".tmp", ".")
	if err := os.Rename(tarball+".tmp", tarball); err != nil {
		t.Fatal(err)
	}
	t.Logf("base root ready in %s", time.Since(start).Round(time.Second))
	return tarball
}

var recapChanged = regexp.MustCompile(`(?m)^testroot\s*:.*\bchanged=(\d+)\b.*\bfailed=(\d+)`)

// TestIntegrationChrootApply applies the OS-independent roles (users, keys,
// sshd) to a throwaway Debian root through Ansible's chroot connection,
// checks the accounts, keys and sshd settings, and runs the playbook again
// to show it changes nothing. The other roles add Ubuntu repositories
// (deadsnakes, NodeSource, Docker, Kubernetes, HashiCorp) and download
// releases from hosts this machine cannot reach; they are covered by the
// syntax check and ansible-lint only.
func TestIntegrationChrootApply(t *testing.T) {
	t.Parallel()
	playbook := needProgram(t, "ansible-playbook", "apt-get install ansible (Debian's package; .ci/apt.d/infra.txt)")
	if os.Geteuid() != 0 {
		t.Fatal("the chroot apply needs root (debootstrap and chroot); run the tests as root, as CI does, or with -short")
	}
	root, dir := playbookDir(t)
	tarball := baseRoot(t, root)
	inv, err := LoadInventory(dir)
	if err != nil {
		t.Fatal(err)
	}

	target := filepath.Join(t.TempDir(), "root")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	command(t, "", nil, "tar", "-C", target, "-xzf", tarball)
	// Departed users exist before the run, as on the real server.
	var departed []string
	for _, u := range inv.Users {
		if !u.Present() {
			departed = append(departed, u.Name)
			command(t, "", nil, "chroot", target, "useradd", "--create-home", "--shell", "/bin/bash", u.Name)
		}
	}
	if len(departed) == 0 {
		t.Fatal("users.yml lists no departed user (state: absent); the removal would go untested")
	}

	testInv := filepath.Join(t.TempDir(), "chroot.yml")
	if err := os.WriteFile(testInv, []byte(fmt.Sprintf("%s:\n  hosts:\n    testroot:\n      ansible_connection: community.general.chroot\n      ansible_host: %s\n      ansible_python_interpreter: /usr/bin/python3\n", Group, target)), 0o644); err != nil {
		t.Fatal(err)
	}
	apply := func() (changed int) {
		out := command(t, dir, []string{"ANSIBLE_CONFIG=" + filepath.Join(dir, "ansible.cfg"), "ANSIBLE_NOCOLOR=1"},
			playbook, "-i", "inventory", "-i", testInv, "--limit", "testroot", "--tags", "users,sshd",
			"-e", "devserver_manage_services=false", "site.yml")
		m := recapChanged.FindStringSubmatch(out)
		if m == nil {
			t.Fatalf("no recap for testroot:\n%s", out)
		}
		if m[2] != "0" {
			t.Fatalf("failed=%s:\n%s", m[2], out)
		}
		n, _ := strconv.Atoi(m[1])
		if n > 0 {
			t.Logf("changed=%d", n)
		}
		return n
	}
	if apply() == 0 {
		t.Error("the first run changed nothing on a fresh root")
	}

	passwd := readFile(t, target, "etc/passwd")
	for _, u := range inv.Users {
		entry := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(u.Name) + `:x:(\d+):(\d+):[^:]*:([^:]*):([^:\n]*)$`).FindStringSubmatch(passwd)
		if !u.Present() {
			if entry != nil {
				t.Errorf("departed user %s still has an account", u.Name)
			}
			if _, err := os.Stat(filepath.Join(target, "home", u.Name)); !os.IsNotExist(err) {
				t.Errorf("departed user %s still has a home folder (%v)", u.Name, err)
			}
			continue
		}
		if entry == nil {
			t.Errorf("no account for %s in /etc/passwd", u.Name)
			continue
		}
		if entry[4] != "/bin/bash" {
			t.Errorf("%s: shell %s, want /bin/bash", u.Name, entry[4])
		}
		uid, _ := strconv.Atoi(entry[1])
		shadow := readFile(t, target, "etc/shadow")
		if m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(u.Name) + `:([^:]*):`).FindStringSubmatch(shadow); m == nil || !strings.HasPrefix(m[1], "!") && m[1] != "*" {
			t.Errorf("%s: password field %v, want a locked one (keys only)", u.Name, m)
		}
		keys := filepath.Join(target, "home", u.Name, ".ssh", "authorized_keys")
		checkMode(t, filepath.Dir(keys), 0o700, uid)
		checkMode(t, keys, 0o600, uid)
		var want strings.Builder
		want.WriteString("# Managed by Ansible from infrastructure/devserver/inventory/group_vars/devservers/users.yml.\n# Keys added here by hand are removed on the next run.\n")
		for _, k := range u.SSHKeys {
			want.WriteString(k + "\n")
		}
		if got := readFile(t, target, "home/"+u.Name+"/.ssh/authorized_keys"); got != want.String() {
			t.Errorf("%s: authorized_keys:\n%s\nwant:\n%s", u.Name, got, want.String())
		}
	}
	group := readFile(t, target, "etc/group")
	if !regexp.MustCompile(`(?m)^devs:x:\d+:alice,bob,dmitri$`).MatchString(group) {
		t.Errorf("devs group: %s", regexp.MustCompile(`(?m)^devs:.*$`).FindString(group))
	}
	if !regexp.MustCompile(`(?m)^devadmins:x:\d+:alice$`).MatchString(group) {
		t.Errorf("devadmins group: %s", regexp.MustCompile(`(?m)^devadmins:.*$`).FindString(group))
	}
	if got := readFile(t, target, "etc/sudoers.d/devserver-admins"); !strings.Contains(got, "%devadmins ALL=(ALL:ALL) NOPASSWD: ALL") {
		t.Errorf("sudoers drop-in:\n%s", got)
	}

	if !regexp.MustCompile(`(?m)^Include /etc/ssh/sshd_config\.d/\*\.conf$`).MatchString(readFile(t, target, "etc/ssh/sshd_config")) {
		t.Error("sshd_config does not include sshd_config.d")
	}
	// sshd's own view of the merged configuration.
	effective := command(t, "", nil, "chroot", target, "/usr/sbin/sshd", "-T")
	for _, want := range []string{
		"permitrootlogin no",
		"passwordauthentication no",
		"kbdinteractiveauthentication no",
		"pubkeyauthentication yes",
		"authenticationmethods publickey",
		"allowgroups devs",
		"allowtcpforwarding yes",
		"allowstreamlocalforwarding local",
		"x11forwarding no",
		"maxauthtries 3",
	} {
		if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(want) + `$`).MatchString(effective) {
			t.Errorf("sshd -T lacks %q", want)
		}
	}

	if n := apply(); n != 0 {
		t.Errorf("second run: changed=%d, want 0 (the roles must be idempotent)", n)
	}
}

func readFile(t *testing.T, root, rel string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, rel))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func checkMode(t *testing.T, path string, mode os.FileMode, uid int) {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Error(err)
		return
	}
	if st.Mode().Perm() != mode {
		t.Errorf("%s: mode %o, want %o", path, st.Mode().Perm(), mode)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != uid {
		t.Errorf("%s: owner uid %d, want %d", path, sys.Uid, uid)
	}
}
