"""One procedural recipe per DCASE 2023 Task 7 category.

Each ``make_<category>(rng, n, sample_rate)`` returns ``n`` dry samples. The parameters that a real
recording would vary (animal size, pitch, walking pace, floor, weapon, typing rhythm, engine speed and
pass-by, rain intensity, cough or sneeze) are drawn from ``rng``, so clips of one category differ while
categories stay apart (tonal vs. noisy, impulsive vs. continuous, low vs. high spectra).
"""
from __future__ import annotations

import numpy as np

from toolkit.data.demo.dsp import (
    add_at, bandpass, coloured_noise, decay_envelope, harmonic_tone, highpass, hump_envelope, lowpass,
    resonance,
)


def _event_times(rng: np.random.Generator, start: float, stop: float, gap: tuple[float, float],
                 jitter: float = 0.0) -> list[float]:
    """Onsets from ``start`` on, separated by gaps drawn from ``gap`` (with relative ``jitter``)."""
    times, t = [], start
    mean_gap = rng.uniform(*gap)
    while t < stop:
        times.append(t)
        t += mean_gap * (1 + jitter * rng.uniform(-1, 1)) if jitter else rng.uniform(*gap)
    return times


def make_dog_bark(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """1-5 barks: a harmonic yelp whose pitch rises and falls, shaped by two formants, with rasp."""
    out = np.zeros(n)
    size = rng.uniform()  # 0 small dog (high, short) .. 1 large dog (low, long)
    f0_base = 850 - 600 * size
    formants = (rng.uniform(500, 900) * (1.2 - 0.4 * size), rng.uniform(1300, 2400))
    rasp = rng.uniform(0.02, 0.25)
    t = rng.uniform(0.0, 0.8)
    for _ in range(rng.integers(1, 6)):
        length = int(rng.uniform(0.1, 0.18 + 0.15 * size) * sample_rate)
        progress = np.linspace(0, 1, length)
        f0 = f0_base * rng.uniform(0.85, 1.15) * (0.8 + 0.45 * np.sin(np.pi * progress ** 0.7))
        harmonics = 1.0 / np.arange(1, 13) ** rng.uniform(0.7, 1.4)
        voiced = harmonic_tone(f0, harmonics, sample_rate, rng)
        voiced += rasp * np.abs(voiced).mean() * 4 * coloured_noise(rng, length, 0.5)
        shaped = sum(resonance(voiced, f, 4.0, sample_rate) for f in formants) + 0.3 * voiced
        bark = shaped * hump_envelope(length, rng.uniform(0.08, 0.25))
        add_at(out, bark * rng.uniform(0.6, 1.0), int(t * sample_rate))
        t += length / sample_rate + rng.uniform(0.12, 0.7)
        if t > n / sample_rate - 0.1:
            break
    return out


def _footfall(rng: np.random.Generator, surface: str, sample_rate: int) -> np.ndarray:
    length = int(0.2 * sample_rate)
    if surface == "gravel":  # dense crunch of small grains
        grains = coloured_noise(rng, length) * (rng.uniform(size=length) < 0.25)
        crunch = bandpass(grains, 600, 4000, sample_rate) * decay_envelope(length, 0.01, 0.06, sample_rate)
        thud = lowpass(coloured_noise(rng, length, 1.0), 200, sample_rate) * decay_envelope(length, 0.005, 0.03, sample_rate)
        sound = crunch + thud
    elif surface == "wood":  # a thump that makes the boards ring
        thump = coloured_noise(rng, length, 1.0) * decay_envelope(length, 0.002, 0.02, sample_rate)
        sound = 2 * resonance(thump, rng.uniform(180, 420), 12.0, sample_rate) + 0.3 * thump
    else:  # hard floor: click of the heel plus a dull low thud
        click = bandpass(coloured_noise(rng, length), 500, 3000, sample_rate) * decay_envelope(length, 0.001, 0.008, sample_rate)
        thud = lowpass(coloured_noise(rng, length, 1.0), 250, sample_rate) * decay_envelope(length, 0.003, 0.04, sample_rate)
        sound = 0.7 * click + 2.0 * thud
    return sound


def make_footstep(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """Steps at a walking or running pace on one surface (hard, gravel, wood): heel then toe."""
    out = np.zeros(n)
    surface = rng.choice(["hard", "gravel", "wood"])
    stop = n / sample_rate * rng.uniform(0.6, 1.0)
    for i, onset in enumerate(_event_times(rng, rng.uniform(0, 0.5), stop, (0.3, 0.75), jitter=0.08)):
        level = rng.uniform(0.7, 1.0) * (1.0 if i % 2 else rng.uniform(0.75, 0.95))  # left/right foot
        heel, toe = _footfall(rng, surface, sample_rate), _footfall(rng, surface, sample_rate)
        start = int(onset * sample_rate)
        add_at(out, heel * level, start)
        add_at(out, toe * level * rng.uniform(0.3, 0.6), start + int(rng.uniform(0.04, 0.1) * sample_rate))
    return out


def make_gunshot(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """1-4 shots: a broadband crack, a muzzle blast and a low boom, each followed by a distant echo."""
    out = np.zeros(n)
    blast_cutoff = rng.uniform(2000, 6000)
    blast_tau = rng.uniform(0.05, 0.2)
    boom_freq = rng.uniform(45, 110)
    shots = rng.integers(1, 5)
    gap = rng.uniform(0.12, 1.0)
    echo_delay, echo_gain = rng.uniform(0.08, 0.45), rng.uniform(0.15, 0.5)
    t = rng.uniform(0.0, 1.0)
    for _ in range(shots):
        length = int(0.6 * sample_rate)
        crack = coloured_noise(rng, length) * decay_envelope(length, 0.0005, 0.004, sample_rate)
        blast = lowpass(coloured_noise(rng, length, 0.5), blast_cutoff, sample_rate) \
            * decay_envelope(length, 0.001, blast_tau, sample_rate)
        time = np.arange(length) / sample_rate
        boom = np.sin(2 * np.pi * boom_freq * time * (1 - 0.3 * time)) * decay_envelope(length, 0.002, 0.12, sample_rate)
        shot = 1.5 * crack + blast + 0.8 * boom
        start = int(t * sample_rate)
        add_at(out, shot, start)
        add_at(out, lowpass(shot, 2000, sample_rate) * echo_gain, start + int(echo_delay * sample_rate))
        t += gap * rng.uniform(0.8, 1.2)
    return out


def make_keyboard(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """Typing: bursts of key clicks (press and release) with pauses, now and then a space bar."""
    out = np.zeros(n)
    body = rng.uniform(2500, 6500)  # the keyboard's own ring
    key_gap = rng.uniform(0.07, 0.17)
    t = rng.uniform(0.0, 0.4)
    while t < n / sample_rate:
        for _ in range(rng.integers(2, 8)):  # one word
            length = int(0.06 * sample_rate)
            click = highpass(coloured_noise(rng, length), 1500, sample_rate) * decay_envelope(length, 0.0005, 0.003, sample_rate)
            ping = resonance(click, body * rng.uniform(0.85, 1.15), 25.0, sample_rate)
            key = click + 3 * ping
            start = int(t * sample_rate)
            add_at(out, key * rng.uniform(0.5, 1.0), start)
            add_at(out, key * rng.uniform(0.15, 0.35), start + int(rng.uniform(0.05, 0.1) * sample_rate))
            t += key_gap * rng.uniform(0.6, 1.5)
        if rng.uniform() < 0.5:  # space bar: larger, lower
            length = int(0.08 * sample_rate)
            thump = bandpass(coloured_noise(rng, length, 1.0), 500, 2000, sample_rate) * decay_envelope(length, 0.001, 0.01, sample_rate)
            add_at(out, thump * 2.0, int(t * sample_rate))
        t += rng.uniform(0.15, 0.6)
    return out


def make_moving_motor_vehicle(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """An engine's firing harmonics and tyre noise, passing by (loudness bell, Doppler drop) or idling."""
    time = np.arange(n) / sample_rate
    f_fire = rng.uniform(25, 90)
    passing = rng.uniform() < 0.7
    pass_time = rng.uniform(1.0, 3.0)
    width = rng.uniform(0.5, 1.8)
    if passing:
        doppler = rng.uniform(0.03, 0.12)
        f0 = f_fire * (1 + doppler * -np.tanh((time - pass_time) / (0.3 * width)))
        loudness = 1.0 / (1.0 + ((time - pass_time) / width) ** 2)
    else:  # idling or revving in place
        f0 = f_fire * (1 + rng.uniform(0.0, 0.4) * hump_envelope(n, rng.uniform(0.2, 0.8)))
        loudness = np.full(n, 1.0)
    f0 = f0 * (1 + 0.01 * np.sin(2 * np.pi * rng.uniform(0.3, 2.0) * time))
    harmonics = rng.uniform(0.3, 1.0, size=24) / np.arange(1, 25) ** rng.uniform(0.4, 1.0)
    engine = harmonic_tone(f0, harmonics, sample_rate, rng)
    engine = lowpass(engine, rng.uniform(800, 3000), sample_rate)
    tyres = lowpass(coloured_noise(rng, n, 1.0), rng.uniform(400, 1500), sample_rate) * rng.uniform(0.2, 0.8)
    return (engine / (np.abs(engine).max() + 1e-9) + tyres / (np.abs(tyres).max() + 1e-9)) * loudness


def make_rain(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """A hiss of many small drops plus individual plinks, at an intensity that drifts slowly."""
    time = np.arange(n) / sample_rate
    bed = bandpass(coloured_noise(rng, n, rng.uniform(0.0, 0.8)), rng.uniform(300, 900),
                   rng.uniform(5000, 10000), sample_rate)
    drift = 1 + rng.uniform(0.1, 0.4) * np.sin(2 * np.pi * rng.uniform(0.1, 0.4) * time + rng.uniform(0, 2 * np.pi))
    out = bed * drift * rng.uniform(0.3, 0.8)
    rate = rng.uniform(20, 250)  # distinct drops per second
    length = int(0.015 * sample_rate)
    t_drop = np.arange(length) / sample_rate
    for onset in rng.uniform(0, n / sample_rate, size=rng.poisson(rate * n / sample_rate)):
        freq = rng.uniform(1200, 5000)
        plink = np.sin(2 * np.pi * freq * t_drop * (1 + 8 * t_drop)) * np.exp(-t_drop / rng.uniform(0.002, 0.006))
        add_at(out, plink * rng.uniform(0.2, 1.0), int(onset * sample_rate))
    return out


def _cough(rng: np.random.Generator, sample_rate: int, formants: tuple[float, float]) -> np.ndarray:
    length = int(rng.uniform(0.2, 0.4) * sample_rate)
    burst = coloured_noise(rng, length, 0.7)
    voiced = harmonic_tone(np.full(length, rng.uniform(120, 300)), 1.0 / np.arange(1, 10), sample_rate, rng)
    source = burst + rng.uniform(0.0, 0.3) * voiced
    shaped = sum(resonance(source, f, 5.0, sample_rate) for f in formants) + 0.2 * source
    return shaped * decay_envelope(length, 0.006, rng.uniform(0.05, 0.12), sample_rate)


def _sneeze(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    inhale_len = int(rng.uniform(0.3, 0.7) * sample_rate)
    pitch = np.linspace(rng.uniform(180, 260), rng.uniform(300, 450), inhale_len)
    inhale = harmonic_tone(pitch, 1.0 / np.arange(1, 8), sample_rate, rng) * 0.3
    inhale += 0.4 * bandpass(coloured_noise(rng, inhale_len), 400, 3000, sample_rate)
    inhale *= hump_envelope(inhale_len, 0.8) * 0.35
    burst_len = int(rng.uniform(0.2, 0.35) * sample_rate)
    burst = highpass(coloured_noise(rng, burst_len), rng.uniform(1500, 3000), sample_rate)
    burst *= decay_envelope(burst_len, 0.004, rng.uniform(0.05, 0.1), sample_rate)
    return np.concatenate([inhale, np.zeros(int(0.05 * sample_rate)), burst * 2.0])


def make_sneeze_cough(rng: np.random.Generator, n: int, sample_rate: int) -> np.ndarray:
    """Either 1-4 coughs (a noisy burst through the vocal tract's formants) or a sneeze (inhale, "choo")."""
    out = np.zeros(n)
    t = rng.uniform(0.0, 1.5)
    if rng.uniform() < 0.6:
        formants = (rng.uniform(400, 850), rng.uniform(1100, 2200))
        for _ in range(rng.integers(1, 5)):
            cough = _cough(rng, sample_rate, formants)
            add_at(out, cough * rng.uniform(0.6, 1.0), int(t * sample_rate))
            t += cough.size / sample_rate + rng.uniform(0.05, 0.4)
    else:
        add_at(out, _sneeze(rng, sample_rate), int(t * sample_rate))
    return out


#: Generators in class-id order (toolkit.dcase.CATEGORIES).
GENERATORS = (make_dog_bark, make_footstep, make_gunshot, make_keyboard, make_moving_motor_vehicle,
              make_rain, make_sneeze_cough)

#: Per category: (reverberation time range in s, wet-mix range, background-noise SNR range in dB).
ACOUSTICS = (
    ((0.2, 0.8), (0.05, 0.3), (35, 55)),   # dog bark, outdoors or in a yard
    ((0.2, 0.9), (0.1, 0.35), (35, 50)),   # footsteps in corridors and rooms
    ((1.0, 2.5), (0.3, 0.6), (35, 55)),    # gunshots: long outdoor tails
    ((0.1, 0.3), (0.02, 0.15), (35, 50)),  # keyboard at a desk
    ((0.1, 0.4), (0.02, 0.15), (20, 35)),  # vehicles outdoors
    ((0.1, 0.3), (0.0, 0.1), (30, 50)),    # rain is its own ambience
    ((0.2, 0.6), (0.05, 0.3), (35, 55)),   # coughs in rooms
)
