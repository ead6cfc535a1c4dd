// Package devservercmd implements `mono devserver`: the VS Code Remote-SSH
// host entries for the on-premise dev server, read from the same Ansible
// inventory that configures it (infrastructure/devserver/inventory).
package devservercmd

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"go.yaml.in/yaml/v3"
)

// Dir is the dev server's Ansible folder, relative to the repository root.
const Dir = "infrastructure/devserver"

// Group is the inventory group of the dev servers.
const Group = "devservers"

// Host is a dev server of the inventory.
type Host struct {
	Name    string // inventory name, e.g. devbox-01
	Address string // ansible_host
	Port    int    // ansible_port, 22 when unset
}

// User is an entry of the committed user list.
type User struct {
	Name    string   `yaml:"name"`
	Comment string   `yaml:"comment"`
	Admin   bool     `yaml:"admin"`
	SSHKeys []string `yaml:"ssh_keys"`
	// State is present (the default) or absent (departed: removed).
	State string `yaml:"state"`
}

// Present reports whether the user has an account.
func (u User) Present() bool { return u.State == "" || u.State == "present" }

// Inventory is what the playbook and ssh-config share.
type Inventory struct {
	Hosts []Host
	Users []User
}

// LoadInventory reads <dir>/inventory/hosts.yml and
// <dir>/inventory/group_vars/devservers/users.yml.
func LoadInventory(dir string) (*Inventory, error) {
	hostsFile := filepath.Join(dir, "inventory", "hosts.yml")
	data, err := os.ReadFile(hostsFile)
	if err != nil {
		return nil, fmt.Errorf("read dev server inventory: %w", err)
	}
	var groups map[string]struct {
		Hosts map[string]struct {
			AnsibleHost string `yaml:"ansible_host"`
			AnsiblePort int    `yaml:"ansible_port"`
		} `yaml:"hosts"`
	}
	if err := yaml.Unmarshal(data, &groups); err != nil {
		return nil, fmt.Errorf("%s: %w", hostsFile, err)
	}
	inv := &Inventory{}
	for name, h := range groups[Group].Hosts {
		host := Host{Name: name, Address: h.AnsibleHost, Port: h.AnsiblePort}
		if host.Address == "" {
			host.Address = name
		}
		if host.Port == 0 {
			host.Port = 22
		}
		inv.Hosts = append(inv.Hosts, host)
	}
	if len(inv.Hosts) == 0 {
		return nil, fmt.Errorf("%s: no hosts in the %s group", hostsFile, Group)
	}
	sort.Slice(inv.Hosts, func(i, j int) bool { return inv.Hosts[i].Name < inv.Hosts[j].Name })

	usersFile := filepath.Join(dir, "inventory", "group_vars", Group, "users.yml")
	data, err = os.ReadFile(usersFile)
	if err != nil {
		return nil, fmt.Errorf("read dev server users: %w", err)
	}
	var vars struct {
		Users []User `yaml:"devserver_users"`
	}
	if err := yaml.Unmarshal(data, &vars); err != nil {
		return nil, fmt.Errorf("%s: %w", usersFile, err)
	}
	for _, u := range vars.Users {
		if u.Name == "" {
			return nil, fmt.Errorf("%s: a user without a name", usersFile)
		}
		if u.State != "" && u.State != "present" && u.State != "absent" {
			return nil, fmt.Errorf("%s: user %s: state must be present or absent, not %q", usersFile, u.Name, u.State)
		}
		if u.Present() && len(u.SSHKeys) == 0 {
			return nil, fmt.Errorf("%s: user %s has no ssh_keys (accounts are keys only)", usersFile, u.Name)
		}
	}
	inv.Users = vars.Users
	return inv, nil
}

// User returns the user named name.
func (inv *Inventory) User(name string) (User, bool) {
	for _, u := range inv.Users {
		if u.Name == name {
			return u, true
		}
	}
	return User{}, false
}

// PresentUsers returns the names of the users with an account.
func (inv *Inventory) PresentUsers() []string {
	var out []string
	for _, u := range inv.Users {
		if u.Present() {
			out = append(out, u.Name)
		}
	}
	return out
}
