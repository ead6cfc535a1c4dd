# tflint settings for every Terraform folder under infrastructure/ (run with
# --recursive --config=<this file>). Only the bundled terraform ruleset: the
# aws ruleset is a plugin downloaded from GitHub releases, which the build
# machines cannot reach.
config {
  call_module_type = "local"
}

plugin "terraform" {
  enabled = true
  preset  = "recommended"
}

# Beyond the recommended preset: the habits of STYLE.md.
rule "terraform_documented_variables" {
  enabled = true
}

rule "terraform_documented_outputs" {
  enabled = true
}

rule "terraform_typed_variables" {
  enabled = true
}

rule "terraform_naming_convention" {
  enabled = true
}

rule "terraform_standard_module_structure" {
  enabled = true
}
