"""What each sales channel offers shoppers in its storefront widget: case types, return shipping
choices, the badge's side, intake without an order and the shop domains allowed to frame it."""
