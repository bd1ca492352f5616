"""Every input limit, defined once: the engine enforces them and the API's pydantic
schemas import them, so a limit is never written twice. A limit that is exceeded is
reported by name (``limit`` in the error), the name given beside each one here."""

# Programs (the language) and the graphs they build
MAX_PROGRAM_CHARS = 10_000  # max_program_chars
MAX_NODES = 500  # max_nodes
MAX_ELEMENTS = 1_000_000  # max_elements: numbers in one tensor
# max_total_elements: all nodes together, of a program or of a custom surface (a grid is evaluated
# in blocks that keep within it): 40 MB, and one pass well inside the CPU limit
MAX_TOTAL_ELEMENTS = 5_000_000
MAX_TRACE_ELEMENTS = 1_000_000  # max_trace_elements: numbers in all nodes' values (a trace sends each about 4 times)
MAX_DIMENSIONS = 16  # max_dimensions: axes of one tensor (nested lists, shapes); NumPy allows 32 (1.x) or 64 (2.x)
MAX_CPU_SECONDS = 2.0  # cpu_time: any one request, all its work together (engine.budget)

# Surfaces and grids
MAX_GRID_N = 1_024  # n
MAX_GRID_ELEMENTS = MAX_GRID_N * MAX_GRID_N  # a custom surface's tensors hold at most one grid

# Races and sweeps
MAX_STEPS = 10_000  # steps
MAX_RUNS = 12  # runs
MAX_COORDINATE = 1e6  # start: inside the divergence bound
DIVERGENCE_LIMIT = MAX_COORDINATE  # a run whose coordinates or loss pass this has diverged
CONVERGENCE_TOL = 1e-8  # gradient norm and step length below which a run has converged
MAX_NOISE_STD = 1e3  # noise.std
MAX_AXIS_VALUES = 32  # axes.x.values, axes.y.values
MAX_SWEEP_CELL_STEPS = 1_000_000  # sweep_cell_steps: cells × steps, keeps a sweep well inside the CPU limit
MAX_LR = 10.0  # lr, a schedule's rates: far beyond any rate that does not diverge at once
MAX_PARAMS = 16  # hyperparameters named in one run
MAX_LIST = 1_000  # entries of a list hyperparameter (piecewise boundaries and values)
MAX_SEED = 2**32 - 1  # seed: noise.seed, and an init helper's seed= in a program
MAX_RECORDED_NUMBERS = 5_000_000  # max_recorded_numbers: points and rates one race keeps (40 MB)

# Init helpers and the init registry
MAX_INIT_SCALE = 1e6  # gain (randn's std) and uniform's low and high: a weight's size, well inside float64

# The deep-network experiment (/api/init/deep), whose graph the server builds
MAX_DEPTH = 200  # depth
MAX_INIT_WIDTH = 512  # width
MAX_INIT_SAMPLES = 1_024  # samples
MAX_INIT_ELEMENTS = 8_000_000  # max_init_elements: depth × width × (width + 2·samples), weights and activations
MAX_HISTOGRAMS = 8  # histograms: layers whose activations one request may ask to see

# The trainability map (POST /api/trainability)
MAX_TRAINABILITY_N = 256  # trainability_n: pixels along each axis of a tile
MAX_TRAINABILITY_STEPS = 2_000  # trainability_steps: gradient-descent steps of each pixel
# pixel_steps: n² × steps of a tile of the network; 128² × 500 fits the endpoint's budget with room for a
# loaded machine
MAX_TRAINABILITY_PIXEL_STEPS = 128 * 128 * 500
TRAINABILITY_CPU_SECONDS = 8.0  # trainability_cpu_time: one tile, the CPU of all its threads together
MAX_TRAINABILITY_LOG_RATE = 12.0  # log_rate: x.lo, x.hi, y.lo, y.hi of the network, log₁₀ of a rate
MIN_TRAINABILITY_SPAN = 1e-12  # span: hi − lo of an axis, where float64's rates stop being distinct

# Requests
MAX_NAME_CHARS = 64  # an id (surface, optimizer, schedule, preset), a parameter's name or a run's label
MAX_REQUEST_CHARS = 100_000  # request: an OptimizeRequest as JSON in a stream's URL (a POST body may be longer)

# Gradient check
MAX_CHECKED_COORDINATES = 2_000  # coordinates sampled per leaf
GRADCHECK_CPU_SECONDS = 1.0  # the most of its request's cpu_time the finite differences use (then fewer are sampled)
MAX_BODY_BYTES = 1_000_000  # max_body_bytes: a request body (413, refused before it is read whole)

# Rooms (/api/rooms): a lecture that students' pages follow
MAX_ROOMS = 1_000  # max_rooms: live rooms on one server (all its processes, through Redis)
MAX_FOLLOWERS = 2_000  # max_followers: event streams open on one room
MAX_ANSWERS = 5_000  # max_answers: students' answers to one question (a client's latest counts once)
ROOM_PUBLISH_SECONDS = 0.05  # publish_interval: one state publish per room per 50 ms; faster ones are coalesced
ROOM_IDLE_SECONDS = 6 * 3600  # room_idle: a room the presenter has not touched for this long expires
MAX_ROOM_BODY_BYTES = 16 * 1024  # max_room_body_bytes: a room request's body (413)
MAX_ROOM_URL_CHARS = 8_000  # url: the page URL a room publishes
MAX_ANSWER_MAGNITUDE = 1e12  # answer: the largest |value| a student may type, so a histogram's span stays finite
MAX_PROMPT_CHARS = 500  # question.prompt: a quiz question's text

# Every limit by the name its 422 gives, as GET /api/limits serves it: the pages read their
# bounds from there, never from a copy.
LIMITS = {
    "max_program_chars": MAX_PROGRAM_CHARS,
    "max_nodes": MAX_NODES,
    "max_elements": MAX_ELEMENTS,
    "max_total_elements": MAX_TOTAL_ELEMENTS,
    "max_trace_elements": MAX_TRACE_ELEMENTS,
    "max_dimensions": MAX_DIMENSIONS,
    "cpu_time": MAX_CPU_SECONDS,
    "n": MAX_GRID_N,
    "steps": MAX_STEPS,
    "runs": MAX_RUNS,
    "start": MAX_COORDINATE,
    "noise.std": MAX_NOISE_STD,
    "axes.values": MAX_AXIS_VALUES,
    "sweep_cell_steps": MAX_SWEEP_CELL_STEPS,
    "lr": MAX_LR,
    "params": MAX_PARAMS,
    "list": MAX_LIST,
    "seed": MAX_SEED,
    "max_recorded_numbers": MAX_RECORDED_NUMBERS,
    "gain": MAX_INIT_SCALE,
    "depth": MAX_DEPTH,
    "width": MAX_INIT_WIDTH,
    "samples": MAX_INIT_SAMPLES,
    "max_init_elements": MAX_INIT_ELEMENTS,
    "histograms": MAX_HISTOGRAMS,
    "trainability_n": MAX_TRAINABILITY_N,
    "trainability_steps": MAX_TRAINABILITY_STEPS,
    "pixel_steps": MAX_TRAINABILITY_PIXEL_STEPS,
    "trainability_cpu_time": TRAINABILITY_CPU_SECONDS,
    "log_rate": MAX_TRAINABILITY_LOG_RATE,
    "span": MIN_TRAINABILITY_SPAN,
    "name_chars": MAX_NAME_CHARS,
    "request": MAX_REQUEST_CHARS,
    "max_body_bytes": MAX_BODY_BYTES,
    "max_rooms": MAX_ROOMS,
    "max_followers": MAX_FOLLOWERS,
    "max_answers": MAX_ANSWERS,
    "publish_interval": ROOM_PUBLISH_SECONDS,
    "room_idle": ROOM_IDLE_SECONDS,
    "max_room_body_bytes": MAX_ROOM_BODY_BYTES,
    "url": MAX_ROOM_URL_CHARS,
    "answer": MAX_ANSWER_MAGNITUDE,
    "question.prompt": MAX_PROMPT_CHARS,
}
