//! The default content shipped in `assets/`: signal cards, the meldroute template and the
//! regions with their municipalities. Compiled in, so a fresh install needs no files.

use crate::error::{CoreError, Result};
use zicht_model::Region;

/// The default card set (JSON).
pub const CARD_SET: &str = include_str!("../../../assets/signaalkaarten.json");
/// The default meldroute template (JSON).
pub const ROUTE_TEMPLATE: &str = include_str!("../../../assets/meldroute.json");
/// Regions and municipalities (JSON).
pub const REGIONS: &str = include_str!("../../../assets/regions.json");

/// The regions of the plans, with their municipalities.
pub fn regions() -> Result<Vec<Region>> {
    serde_json::from_str(REGIONS).map_err(|e| CoreError::InvalidContent(format!("regions: {e}")))
}

/// Every municipality of every region.
pub fn municipalities() -> Result<Vec<String>> {
    Ok(regions()?
        .into_iter()
        .flat_map(|r| r.municipalities)
        .collect())
}
