output "budget_name" {
  description = "Name of the example budget."
  value       = module.budget.budget_name
}
