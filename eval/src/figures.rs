//! Figures with plotters, each written as PNG and SVG: evaluation success against accumulated
//! skills, success by round with confidence bands, and skills by kind by round.
//!
//! Text is drawn with DejaVu Sans embedded in the binary, so figures look the same on any
//! machine.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::aggregate::{Aggregate, Interval, RoundStats};
use crate::summary::SkillKind;

/// DejaVu Sans (see `assets/DejaVuSans-LICENSE.txt` for its licence).
const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");

/// The family name text styles use.
const FAMILY: &str = "sans-serif";

/// Why a figure could not be drawn.
#[derive(Debug, thiserror::Error)]
pub enum FigureError {
    /// The embedded font cannot be registered.
    #[error("the embedded font cannot be loaded")]
    Font,
    /// Drawing or writing the file failed.
    #[error("cannot draw {path}: {message}")]
    Draw {
        /// The file.
        path: PathBuf,
        /// What plotters reported.
        message: String,
    },
}

/// The file stems of the figures, in the order they are drawn.
pub const FIGURES: [&str; 3] = ["success_vs_skills", "success_by_round", "skills_by_kind"];

fn register_font() -> Result<(), FigureError> {
    static REGISTERED: OnceLock<bool> = OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    if ok { Ok(()) } else { Err(FigureError::Font) }
}

/// Colours for up to ten ablations, then repeating.
fn colour(i: usize) -> RGBColor {
    const COLOURS: [(u8, u8, u8); 10] = [
        (31, 119, 180),
        (255, 127, 14),
        (44, 160, 44),
        (214, 39, 40),
        (148, 103, 189),
        (140, 86, 75),
        (227, 119, 194),
        (127, 127, 127),
        (188, 189, 34),
        (23, 190, 207),
    ];
    let (r, g, b) = COLOURS[i % COLOURS.len()];
    RGBColor(r, g, b)
}

type DrawResult<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

/// Draws every figure into `dir` as `<stem>.png` and `<stem>.svg`; returns the PNG paths.
///
/// # Errors
/// [`FigureError`] naming the file that failed.
pub fn draw_all(
    aggregate: &Aggregate,
    ablations: &[String],
    dir: &Path,
) -> Result<Vec<PathBuf>, FigureError> {
    register_font()?;
    let series: Vec<(usize, &str, Vec<&RoundStats>)> = ablations
        .iter()
        .enumerate()
        .map(|(i, a)| (i, a.as_str(), aggregate.of(a)))
        .filter(|(_, _, rounds)| !rounds.is_empty())
        .collect();
    let mut written = Vec::new();
    for stem in FIGURES {
        let (width, height) = match stem {
            "skills_by_kind" => (1400, 300 * series.len().div_ceil(3).max(1) as u32 + 60),
            _ => (1000, 650),
        };
        let png = dir.join(format!("{stem}.png"));
        let svg = dir.join(format!("{stem}.svg"));
        let fail = |path: &Path, e: String| FigureError::Draw {
            path: path.to_owned(),
            message: e,
        };
        {
            let root = BitMapBackend::new(&png, (width, height)).into_drawing_area();
            draw(stem, &root, &series).map_err(|e| fail(&png, e.to_string()))?;
            root.present().map_err(|e| fail(&png, e.to_string()))?;
        }
        {
            let root = SVGBackend::new(&svg, (width, height)).into_drawing_area();
            draw(stem, &root, &series).map_err(|e| fail(&svg, e.to_string()))?;
            root.present().map_err(|e| fail(&svg, e.to_string()))?;
        }
        written.push(png);
    }
    Ok(written)
}

fn draw<DB: DrawingBackend>(
    stem: &str,
    root: &DrawingArea<DB, Shift>,
    series: &[(usize, &str, Vec<&RoundStats>)],
) -> DrawResult<DB> {
    root.fill(&WHITE)?;
    match stem {
        "success_vs_skills" => success_vs_skills(root, series),
        "success_by_round" => success_by_round(root, series),
        _ => skills_by_kind(root, series),
    }
}

fn max_round(series: &[(usize, &str, Vec<&RoundStats>)]) -> u32 {
    series
        .iter()
        .flat_map(|(_, _, r)| r.iter().map(|s| s.round))
        .max()
        .unwrap_or(1)
        .max(1)
}

fn success_vs_skills<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[(usize, &str, Vec<&RoundStats>)],
) -> DrawResult<DB> {
    let max_skills = series
        .iter()
        .flat_map(|(_, _, r)| r.iter().map(|s| s.skills_total.mean))
        .fold(1.0_f64, f64::max);
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Evaluation success against accumulated skills (mean over trials)",
            (FAMILY, 24),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..max_skills * 1.05, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("Skills in the library")
        .y_desc("Evaluation success rate")
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .draw()?;
    for (i, name, rounds) in series {
        let c = colour(*i);
        let points: Vec<(f64, f64)> = rounds
            .iter()
            .map(|r| (r.skills_total.mean, r.eval_success.mean))
            .collect();
        chart
            .draw_series(LineSeries::new(points.clone(), c.stroke_width(2)))?
            .label(*name)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
        chart.draw_series(points.into_iter().map(|p| Circle::new(p, 4, c.filled())))?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn success_by_round<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[(usize, &str, Vec<&RoundStats>)],
) -> DrawResult<DB> {
    let last = f64::from(max_round(series));
    let mut chart = ChartBuilder::on(root)
        .caption(
            "Evaluation success by round (mean and 95% confidence band)",
            (FAMILY, 24),
        )
        .margin(16)
        .x_label_area_size(50)
        .y_label_area_size(60)
        .build_cartesian_2d(0.0..last, 0.0..1.0)?;
    chart
        .configure_mesh()
        .x_desc("Round (0 = before learning)")
        .y_desc("Evaluation success rate")
        .x_labels(last as usize + 1)
        .label_style((FAMILY, 16))
        .axis_desc_style((FAMILY, 18))
        .draw()?;
    for (i, name, rounds) in series {
        band(
            &mut chart,
            rounds,
            colour(*i),
            |r| r.eval_success,
            Some(name),
        )?;
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)
}

fn skills_by_kind<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    series: &[(usize, &str, Vec<&RoundStats>)],
) -> DrawResult<DB> {
    let (title, body) = root.split_vertically(50);
    title.draw(&Text::new(
        "Skills by kind by round (mean and 95% confidence band), one panel per ablation",
        (20, 15),
        (FAMILY, 24),
    ))?;
    let last = f64::from(max_round(series));
    let top = series
        .iter()
        .flat_map(|(_, _, r)| r.iter().flat_map(|s| s.skills.iter().map(Interval::high)))
        .fold(1.0_f64, f64::max);
    let rows = series.len().div_ceil(3).max(1);
    let panels = body.split_evenly((rows, 3));
    for (panel, (p, (_, name, rounds))) in panels.iter().zip(series.iter().enumerate()) {
        let mut chart = ChartBuilder::on(panel)
            .caption(*name, (FAMILY, 18))
            .margin(8)
            .x_label_area_size(35)
            .y_label_area_size(45)
            .build_cartesian_2d(0.0..last, 0.0..top * 1.05)?;
        chart
            .configure_mesh()
            .x_desc("Round")
            .y_desc("Skills")
            .x_labels(last as usize + 1)
            .label_style((FAMILY, 13))
            .axis_desc_style((FAMILY, 14))
            .draw()?;
        for (k, kind) in SkillKind::ALL.into_iter().enumerate() {
            let label = (p == 0).then_some(kind.label());
            band(&mut chart, rounds, colour(k), |r| r.skills[k], label)?;
        }
        if p == 0 {
            legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
        }
    }
    Ok(())
}

type Chart<'a, DB> = ChartContext<
    'a,
    DB,
    Cartesian2d<plotters::coord::types::RangedCoordf64, plotters::coord::types::RangedCoordf64>,
>;

/// A mean line with its interval as a translucent band.
fn band<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    rounds: &[&RoundStats],
    c: RGBColor,
    value: impl Fn(&RoundStats) -> Interval,
    label: Option<&str>,
) -> DrawResult<DB> {
    let mut outline: Vec<(f64, f64)> = rounds
        .iter()
        .map(|r| (f64::from(r.round), value(r).high()))
        .collect();
    outline.extend(
        rounds
            .iter()
            .rev()
            .map(|r| (f64::from(r.round), value(r).low())),
    );
    chart.draw_series(std::iter::once(Polygon::new(outline, c.mix(0.15).filled())))?;
    let line: Vec<(f64, f64)> = rounds
        .iter()
        .map(|r| (f64::from(r.round), value(r).mean))
        .collect();
    let drawn = chart.draw_series(LineSeries::new(line.clone(), c.stroke_width(2)))?;
    if let Some(label) = label {
        drawn
            .label(label)
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], c.stroke_width(2)));
    }
    chart.draw_series(line.into_iter().map(|p| Circle::new(p, 3, c.filled())))?;
    Ok(())
}

fn legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut Chart<'a, DB>,
    position: SeriesLabelPosition,
) -> DrawResult<DB> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FAMILY, 15))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
}
