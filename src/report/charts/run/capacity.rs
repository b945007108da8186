//! Capacity charts: node groups and subnets as small multiples, free addresses.

use super::{figure, Figure, Run, MAX_PANELS};
use crate::report::charts::timeline::{draw, draw_panels, Layer, Panel};
use crate::report::charts::{BLUE_, GREEN_, GREY, ORANGE, RED_};
use crate::report::notes::Section;
use crate::report::series::{GroupPoint, SubnetPoint, Track};
use crate::scenario::model::PolicyMode;

/// The panels of the node groups chart: one per group, or per zone when there are more
/// groups than panels (the zone's groups added up); at most [`MAX_PANELS`].
/// Also what a panel is, and how many there would be without the limit.
fn group_panels(run: &Run) -> (Vec<Panel>, &'static str, usize) {
    let groups = &run.s.groups;
    let by_zone = groups.len() > MAX_PANELS;
    let mut tracks: Vec<(String, Vec<&Track<GroupPoint>>)> = Vec::new();
    for g in groups {
        let key = if by_zone {
            g.zone.clone()
        } else {
            format!("{} ({})", g.name, g.zone)
        };
        match tracks.iter_mut().find(|t| t.0 == key) {
            Some(t) => t.1.push(g),
            None => tracks.push((key, vec![g])),
        }
    }
    let n = run.times.len();
    let panels = tracks
        .iter()
        .take(MAX_PANELS)
        .map(|(title, members)| {
            let sum = |f: fn(&GroupPoint) -> u32| -> Vec<f64> {
                (0..n)
                    .map(|i| {
                        members
                            .iter()
                            .filter_map(|t| t.points.get(i))
                            .map(|p| f64::from(f(p)))
                            .sum()
                    })
                    .collect()
            };
            let mut layers = vec![
                Layer::line("pods holding or awaiting an ENI (P)", GREY, sum(|p| p.pods)),
                Layer::line("bound ENIs (B)", BLUE_, sum(|p| p.enis_bound)),
            ];
            if run.ctx.mode == PolicyMode::Pool {
                let idle = Layer::Area {
                    label: "idle ENIs".into(),
                    color: ORANGE,
                    values: sum(|p| p.enis_idle),
                };
                layers.insert(0, idle);
            }
            Panel {
                title: title.clone(),
                layers,
            }
        })
        .collect();
    let what = if by_zone {
        "zone"
    } else {
        "node group (zone in brackets)"
    };
    (panels, what, tracks.len())
}

/// `node_groups.svg`: P, B and idle ENIs per node group (or zone), on one scale.
pub(super) fn groups_chart(run: &Run) -> Result<Figure, String> {
    let title = "Node groups: pods, bound and idle ENIs";
    let (panels, what, all) = group_panels(run);
    let more = if all > panels.len() {
        format!(
            " The first {} of {all} are shown; node_groups.csv has every group.",
            panels.len()
        )
    } else {
        String::new()
    };
    let chart = run.counts(title, "pods or ENIs", vec![]);
    let svg = draw_panels(&chart, &panels, true)?;
    let reading = match run.ctx.mode {
        PolicyMode::Pool => "P, B and idle ENIs; B well above P is warm ENIs the group keeps",
        PolicyMode::Static => "P and B, one ENI per pod in static IP mode",
    };
    let caption = format!("One panel per {what}, all on one scale: {reading}.{more}");
    Ok(figure(
        Section::Capacity,
        "node_groups.svg",
        title,
        svg,
        caption,
    ))
}

/// `subnets.svg`: addresses used against usable per subnet, each on its own scale.
pub(super) fn subnets_chart(run: &Run) -> Result<Figure, String> {
    let title = "Subnets: addresses used against their size";
    let subnets = &run.s.subnets;
    let panels: Vec<Panel> = subnets
        .iter()
        .take(MAX_PANELS)
        .map(|t| {
            let col =
                |f: fn(&SubnetPoint) -> u32| t.points.iter().map(|p| f64::from(f(p))).collect();
            Panel {
                title: format!("{} ({})", t.name, t.zone),
                layers: vec![
                    Layer::Area {
                        label: "addresses held by ENIs".into(),
                        color: BLUE_,
                        values: col(|p| p.used_ips),
                    },
                    Layer::Line {
                        label: "usable addresses (size)".into(),
                        color: RED_,
                        dashed: true,
                        values: col(|p| p.usable_ips),
                    },
                ],
            }
        })
        .collect();
    let more = if subnets.len() > MAX_PANELS {
        format!(
            " The first {MAX_PANELS} of {} are shown; subnets.csv has them all.",
            subnets.len()
        )
    } else {
        String::new()
    };
    let chart = run.counts(title, "addresses", vec![]);
    let svg = draw_panels(&chart, &panels, false)?;
    let caption = format!(
        "One panel per subnet (zone in brackets), each on its own scale: addresses held by ENIs against \
         the usable ones (dashed); touching the line is the subnet running dry.{more}"
    );
    Ok(figure(
        Section::Capacity,
        "subnets.svg",
        title,
        svg,
        caption,
    ))
}

/// `subnet_free_ips.svg`: free addresses over every subnet.
pub(super) fn free_ips_chart(run: &Run) -> Result<Figure, String> {
    let title = "Free addresses over all subnets";
    let layers = vec![Layer::line(
        "free",
        GREEN_,
        run.column(|r| r.subnet_free_ips as f64),
    )];
    let svg = draw(&run.counts(title, "addresses", layers))?;
    let caption = "Free addresses over every subnet: at zero no new ENI can be created anywhere.";
    Ok(figure(
        Section::Capacity,
        "subnet_free_ips.svg",
        title,
        svg,
        caption.into(),
    ))
}
