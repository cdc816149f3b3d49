//! The rules of a resident's profile form: the domain's own checks, and
//! only the categories this town offers.

use borne_domain::{AreaCodes, Profile, ValidationErrors};
use borne_protocol as wire;

/// A category this town does not offer is refused (`field`).
pub fn check_categories(
    profile: &wire::Profile,
    offered: &[String],
    field: &str,
    errors: &mut ValidationErrors,
) {
    if profile.categories.iter().any(|c| !offered.contains(c)) {
        errors.push(field.to_owned(), "profile.unknown_category");
    }
}

/// Parses the form a logged-in resident saves, with every field error
/// (the form's own first, then `categories`).
pub fn parse_form(
    form: &wire::Profile,
    offered: &[String],
    area_codes: &AreaCodes,
) -> Result<Profile, ValidationErrors> {
    let mut errors = ValidationErrors::default();
    check_categories(form, offered, "categories", &mut errors);
    match form.parse(area_codes) {
        Ok(p) if errors.is_empty() => Ok(p),
        Ok(_) => Err(errors),
        Err(mut e) => {
            e.0.extend(errors.0);
            Err(e)
        }
    }
}
