//! Prints every violation of a registration with several mistakes:
//! `cargo run -p finhub-ext --example violations`.

use finhub_ext::builders::{Gender, PostalAddress, RegistrationBuilder};

fn main() {
    let result = RegistrationBuilder::new()
        .name("Marcus", "")
        .email("marcus.jensen@example")
        .phone("060012345")
        .password("secret")
        .matching_password("Secret")
        .date_of_birth("1990-02-30")
        .gender(Gender::Male)
        .nationality("Atlantis")
        .place_of_birth("Vilnius")
        .pincode("12345")
        .address(PostalAddress::home(
            "Gedimino pr. 1",
            "Vilnius",
            "01103",
            "Lithuania",
        ))
        .category("fs-cat-b2c-low-001", "Individual Standard")
        .build();
    match result {
        Ok(_) => println!("valid"),
        Err(violations) => {
            for violation in violations.iter() {
                println!(
                    "{:<28} {:<26} {}",
                    violation.path, violation.rule, violation.message
                );
            }
        }
    }
}
