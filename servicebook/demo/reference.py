# ruff: noqa: E501  (data tables read best one record per line)
"""The fixed vocabulary of the demo data: one metro area (Denver, Colorado), the names people
and businesses there carry, what each line of business sells, what customers call about,
and the reference records a fresh installation needs (business calendar and holidays, SLA
policies, queues, resolution codes, canned responses, diagnostics checklists, programs and
one demo user per role).

Plain Python data and small pure functions only: the generator draws from these lists with
its own seeded random source, so the same seed always picks the same values.
"""

from __future__ import annotations

import datetime as dt

METRO_NAME = "Denver, CO"
TIME_ZONE = "America/Denver"
REGION = "CO"
JURISDICTIONS = {
    "Denver": "CO-Denver",
    "Lakewood": "CO-Jefferson",
    "Glendale": "CO-Arapahoe",
    "Aurora": "CO-Arapahoe",
    "Thornton": "CO-Adams",
    "Westminster": "CO-Adams",
}

# --- Geography ----------------------------------------------------------------------------
# (ZIP, city, centre latitude, centre longitude, relative weight). Every ZIP is a real 802xx
# code of the Denver metro and its centre is near the real one; addresses are drawn around it.
ZIP_AREAS: list[tuple[str, str, float, float, int]] = [
    ("80202", "Denver", 39.7525, -104.9995, 4),
    ("80203", "Denver", 39.7313, -104.9811, 5),
    ("80204", "Denver", 39.7340, -105.0200, 5),
    ("80205", "Denver", 39.7590, -104.9660, 5),
    ("80206", "Denver", 39.7310, -104.9520, 5),
    ("80207", "Denver", 39.7620, -104.9170, 4),
    ("80209", "Denver", 39.7070, -104.9680, 4),
    ("80210", "Denver", 39.6790, -104.9630, 5),
    ("80211", "Denver", 39.7660, -105.0200, 5),
    ("80212", "Denver", 39.7700, -105.0480, 4),
    ("80214", "Lakewood", 39.7430, -105.0710, 4),
    ("80215", "Lakewood", 39.7440, -105.1050, 3),
    ("80216", "Denver", 39.7830, -104.9650, 2),
    ("80218", "Denver", 39.7330, -104.9710, 5),
    ("80219", "Denver", 39.6960, -105.0340, 6),
    ("80220", "Denver", 39.7330, -104.9130, 5),
    ("80221", "Denver", 39.8160, -105.0110, 4),
    ("80222", "Denver", 39.6720, -104.9270, 3),
    ("80223", "Denver", 39.7000, -105.0030, 3),
    ("80224", "Denver", 39.6880, -104.9110, 3),
    ("80226", "Lakewood", 39.7120, -105.0660, 4),
    ("80227", "Lakewood", 39.6660, -105.0850, 4),
    ("80228", "Lakewood", 39.6960, -105.1430, 3),
    ("80229", "Thornton", 39.8530, -104.9570, 4),
    ("80230", "Denver", 39.7190, -104.8930, 3),
    ("80231", "Denver", 39.6780, -104.8840, 4),
    ("80232", "Lakewood", 39.6910, -105.0890, 3),
    ("80233", "Thornton", 39.9010, -104.9480, 4),
    ("80234", "Westminster", 39.9110, -105.0100, 3),
    ("80235", "Denver", 39.6470, -105.0900, 2),
    ("80236", "Denver", 39.6540, -105.0380, 2),
    ("80237", "Denver", 39.6410, -104.8990, 3),
    ("80238", "Denver", 39.7710, -104.8810, 3),
    ("80239", "Denver", 39.7870, -104.8370, 4),
    ("80241", "Thornton", 39.9290, -104.9530, 3),
    ("80246", "Glendale", 39.7050, -104.9310, 2),
    ("80247", "Aurora", 39.6970, -104.8790, 3),
    ("80249", "Denver", 39.7780, -104.7550, 4),
]
# The metro's bounding box: every generated coordinate lies inside it.
LAT_RANGE = (39.60, 39.95)
LON_RANGE = (-105.17, -104.72)

# Denver's grid: Broadway divides east from west, Ellsworth Avenue north from south. House
# numbers grow by about 100 a block away from those lines.
BROADWAY_LON = -104.9875
ELLSWORTH_LAT = 39.7167
DEG_LON_PER_NUMBER_EAST = 0.0000117
DEG_LON_PER_NUMBER_WEST = 0.0000123
DEG_LAT_PER_NUMBER_NORTH = 0.0000146
DEG_LAT_PER_NUMBER_SOUTH = 0.0000175

# North-south streets, in order away from Broadway (about one per 100 numbers).
STREETS_EAST = [
    "Lincoln St", "Sherman St", "Grant St", "Logan St", "Pennsylvania St", "Pearl St",
    "Washington St", "Clarkson St", "Emerson St", "Ogden St", "Corona St", "Downing St",
    "Marion St", "Lafayette St", "Humboldt St", "Franklin St", "Gilpin St", "Williams St",
    "High St", "Race St", "Vine St", "Gaylord St", "York St", "Josephine St",
    "Columbine St", "Elizabeth St", "Clayton St", "Steele St", "Adams St", "Cook St",
    "Madison St", "Monroe St", "Garfield St", "Jackson St", "Harrison St", "Colorado Blvd",
    "Albion St", "Ash St", "Bellaire St", "Birch St", "Cherry St", "Clermont St",
    "Dahlia St", "Dexter St", "Eudora St", "Fairfax St", "Forest St", "Glencoe St",
    "Grape St", "Holly St", "Hudson St", "Ivanhoe St", "Ivy St", "Jasmine St", "Jersey St",
    "Kearney St", "Krameria St", "Leyden St", "Locust St", "Magnolia St", "Monaco Pkwy",
    "Newport St", "Niagara St", "Oneida St", "Olive St", "Pontiac St", "Poplar St",
    "Quebec St", "Quince St", "Rosemary St", "Roslyn St", "Spruce St", "Syracuse St",
    "Tamarac St", "Trenton St", "Ulster St", "Uinta St", "Verbena St", "Valentia St",
    "Willow St", "Wabash St", "Xenia St", "Yosemite St", "Akron St", "Boston St",
    "Clinton St", "Dayton St", "Emporia St", "Florence St", "Fulton St", "Galena St",
    "Geneva St", "Havana St", "Hanover St", "Iola St", "Ironton St", "Jamaica St",
    "Joliet St", "Kenton St", "Kingston St", "Lima St", "Lansing St", "Moline St",
    "Macon St", "Nome St", "Newark St", "Oakland St", "Olathe St", "Peoria St",
    "Potomac St", "Quentin St", "Richfield St", "Salida St", "Telluride St", "Uvalda St",
    "Valdai St", "Walden St", "Xenia Way", "Yampa St", "Zion St", "Argonne St",
    "Buckley Rd", "Chambers Rd", "Dunkirk St", "Espana St", "Fundy St", "Genoa Way",
    "Himalaya St", "Jebel St", "Kittredge St", "Liverpool St", "Mobile St", "Netherland St",
    "Orleans St", "Picadilly Rd", "Quatar St", "Ceylon St", "Tower Rd",
]  # fmt: skip
STREETS_WEST = [
    "Acoma St", "Bannock St", "Cherokee St", "Delaware St", "Elati St", "Fox St",
    "Galapago St", "Huron St", "Inca St", "Jason St", "Kalamath St", "Lipan St",
    "Mariposa St", "Navajo St", "Osage St", "Pecos St", "Quivas St", "Raritan Way",
    "Shoshone St", "Tejon St", "Umatilla St", "Vallejo St", "Wyandot St", "Zuni St",
    "Alcott St", "Bryant St", "Clay St", "Decatur St", "Eliot St", "Federal Blvd",
    "Grove St", "Hooker St", "Irving St", "Julian St", "King St", "Lowell Blvd",
    "Meade St", "Newton St", "Osceola St", "Perry St", "Quitman St", "Raleigh St",
    "Stuart St", "Tennyson St", "Utica St", "Vrain St", "Wolff St", "Xavier St",
    "Yates St", "Zenobia St", "Sheridan Blvd", "Ames St", "Benton St", "Chase St",
    "Depew St", "Eaton St", "Fenton St", "Gray St", "Harlan St", "Ingalls St", "Jay St",
    "Kendall St", "Lamar St", "Marshall St", "Newland St", "Otis St", "Pierce St",
    "Quay St", "Reed St", "Saulsbury St", "Teller St", "Upham St", "Vance St",
    "Wadsworth Blvd", "Allison St", "Brentwood St", "Carr St", "Dudley St", "Estes St",
    "Flower St", "Garrison St", "Hoyt St", "Iris St", "Jellison St", "Kipling St",
    "Lee St", "Miller St", "Nelson St", "Oak St", "Parfet St", "Quail St", "Routt St",
    "Simms St", "Taft Ct", "Union Blvd", "Vivian St", "Ward Rd", "Xenon St",
    "Youngfield St", "Zang St",
]  # fmt: skip
# East-west avenues south of Ellsworth, in order going south (about one per 100 numbers).
AVENUES_SOUTH = [
    "Dakota Ave", "Alameda Ave", "Cedar Ave", "Bayaud Ave", "Virginia Ave", "Center Ave",
    "Exposition Ave", "Ohio Ave", "Kentucky Ave", "Tennessee Ave", "Mississippi Ave",
    "Arizona Ave", "Louisiana Ave", "Florida Ave", "Arkansas Ave", "Iowa Ave", "Jewell Ave",
    "Asbury Ave", "Evans Ave", "Warren Ave", "Iliff Ave", "Wesley Ave", "Harvard Ave",
    "Yale Ave", "Amherst Ave", "Bates Ave", "Cornell Ave", "Dartmouth Ave", "Eastman Ave",
    "Floyd Ave", "Girard Ave", "Hampden Ave", "Jefferson Ave", "Kenyon Ave", "Lehigh Ave",
    "Mansfield Ave", "Nassau Ave", "Oxford Ave", "Princeton Ave", "Quincy Ave",
    "Radcliff Ave", "Stanford Ave", "Tufts Ave", "Union Ave", "Layton Ave", "Belleview Ave",
]  # fmt: skip
# Named avenues that replace a number north of Ellsworth.
AVENUE_NAMES_NORTH = {15: "Colfax Ave", 21: "Martin Luther King Blvd"}
MAX_NUMBERED_AVENUE = 168  # 168th Ave, the north edge of Thornton
UNIT_WORDS = ["Apt", "Unit", "#"]

# --- People and organisations ---------------------------------------------------------------
FIRST_NAMES = [
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas",
    "Sarah", "Christopher", "Karen", "Charles", "Lisa", "Daniel", "Nancy", "Matthew",
    "Betty", "Anthony", "Sandra", "Mark", "Margaret", "Donald", "Ashley", "Steven",
    "Kimberly", "Andrew", "Emily", "Paul", "Donna", "Joshua", "Michelle", "Kenneth",
    "Carol", "Kevin", "Amanda", "Brian", "Melissa", "George", "Deborah", "Timothy",
    "Stephanie", "Ronald", "Dorothy", "Jason", "Rebecca", "Edward", "Sharon", "Jeffrey",
    "Laura", "Ryan", "Cynthia", "Jacob", "Amy", "Gary", "Kathleen", "Nicholas", "Angela",
    "Eric", "Shirley", "Jonathan", "Brenda", "Stephen", "Emma", "Larry", "Anna", "Justin",
    "Pamela", "Scott", "Nicole", "Brandon", "Samantha", "Benjamin", "Katherine", "Samuel",
    "Christine", "Gregory", "Debra", "Alexander", "Rachel", "Patrick", "Carolyn", "Frank",
    "Janet", "Raymond", "Maria", "Jack", "Olivia", "Dennis", "Heather", "Jerry", "Helen",
    "Tyler", "Catherine", "Aaron", "Diane", "Jose", "Julie", "Adam", "Victoria", "Nathan",
    "Joyce", "Henry", "Lauren", "Zachary", "Kelly", "Douglas", "Christina", "Peter",
    "Ruth", "Kyle", "Joan", "Noah", "Virginia", "Ethan", "Judith", "Jeremy", "Evelyn",
    "Christian", "Hannah", "Walter", "Andrea", "Keith", "Megan", "Austin", "Cheryl",
    "Roger", "Jacqueline", "Terry", "Madison", "Sean", "Teresa", "Gerald", "Abigail",
    "Carl", "Sophia", "Dylan", "Martha", "Harold", "Sara", "Jordan", "Gloria", "Jesse",
    "Janice", "Bryan", "Kathryn", "Lawrence", "Ann", "Arthur", "Isabella", "Gabriel",
    "Judy", "Bruce", "Charlotte", "Logan", "Julia", "Billy", "Grace", "Joe", "Amber",
    "Alan", "Alice", "Juan", "Jean", "Elijah", "Denise", "Willie", "Frances", "Albert",
    "Danielle", "Wayne", "Marilyn", "Randy", "Natalie", "Mason", "Beverly", "Vincent",
    "Diana", "Liam", "Brittany", "Roy", "Theresa", "Bobby", "Kayla", "Caleb", "Alexis",
    "Bradley", "Doris", "Russell", "Lori", "Lucas", "Tiffany", "Luis", "Ana", "Carlos",
    "Rosa", "Miguel", "Guadalupe", "Jorge", "Veronica", "Alejandro", "Yolanda", "Ricardo",
    "Elena", "Francisco", "Lucia", "Antonio", "Adriana", "Manuel", "Gabriela", "Javier",
    "Mariana", "Diego", "Ximena", "Mateo", "Valeria", "Santiago", "Camila", "Minh",
    "Linh", "Wei", "Mei", "Hiroshi", "Yuki", "Arjun", "Priya", "Omar", "Fatima", "Ahmed",
    "Amina", "Tesfaye", "Hanna", "Dmitri", "Olga", "Kwame", "Ama", "Seo-yeon", "Ji-ho",
]  # fmt: skip
LAST_NAMES = [
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis",
    "Rodriguez", "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson",
    "Thomas", "Taylor", "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White",
    "Harris", "Sanchez", "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young",
    "Allen", "King", "Wright", "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green",
    "Adams", "Nelson", "Baker", "Hall", "Rivera", "Campbell", "Mitchell", "Carter",
    "Roberts", "Gomez", "Phillips", "Evans", "Turner", "Diaz", "Parker", "Cruz", "Edwards",
    "Collins", "Reyes", "Stewart", "Morris", "Morales", "Murphy", "Cook", "Rogers",
    "Gutierrez", "Ortiz", "Morgan", "Cooper", "Peterson", "Bailey", "Reed", "Kelly",
    "Howard", "Ramos", "Kim", "Cox", "Ward", "Richardson", "Watson", "Brooks", "Chavez",
    "Wood", "James", "Bennett", "Gray", "Mendoza", "Ruiz", "Hughes", "Price", "Alvarez",
    "Castillo", "Sanders", "Patel", "Myers", "Long", "Ross", "Foster", "Jimenez", "Powell",
    "Jenkins", "Perry", "Russell", "Sullivan", "Bell", "Coleman", "Butler", "Henderson",
    "Barnes", "Gonzales", "Fisher", "Vasquez", "Simmons", "Romero", "Jordan", "Patterson",
    "Alexander", "Hamilton", "Graham", "Reynolds", "Griffin", "Wallace", "Moreno", "West",
    "Cole", "Hayes", "Bryant", "Herrera", "Gibson", "Ellis", "Tran", "Medina", "Aguilar",
    "Stevens", "Murray", "Ford", "Castro", "Marshall", "Owens", "Harrison", "Fernandez",
    "McDonald", "Woods", "Washington", "Kennedy", "Wells", "Vargas", "Henry", "Chen",
    "Freeman", "Webb", "Tucker", "Guzman", "Burns", "Crawford", "Olson", "Simpson",
    "Porter", "Hunter", "Gordon", "Mendez", "Silva", "Shaw", "Snyder", "Mason", "Dixon",
    "Munoz", "Hunt", "Hicks", "Holmes", "Palmer", "Wagner", "Black", "Robertson", "Boyd",
    "Rose", "Stone", "Salazar", "Fox", "Warren", "Mills", "Meyer", "Rice", "Schmidt",
    "Garza", "Daniels", "Ferguson", "Nichols", "Stephens", "Soto", "Weaver", "Ryan",
    "Gardner", "Payne", "Grant", "Dunn", "Kelley", "Spencer", "Hawkins", "Arnold",
    "Pierce", "Vazquez", "Hansen", "Peters", "Santos", "Hart", "Bradley", "Knight",
    "Elliott", "Cunningham", "Duncan", "Armstrong", "Hudson", "Carroll", "Lane", "Riley",
    "Andrews", "Alvarado", "Ray", "Delgado", "Berry", "Perkins", "Hoffman", "Johnston",
    "Matthews", "Pena", "Richards", "Contreras", "Willis", "Carpenter", "Lawrence",
    "Sandoval", "Guerrero", "George", "Chapman", "Rios", "Estrada", "Ortega", "Watkins",
    "Greene", "Nunez", "Wheeler", "Valdez", "Harper", "Burke", "Larson", "Santiago",
    "Maldonado", "Morrison", "Franklin", "Carlson", "Austin", "Dominguez", "Carr",
    "Lawson", "Jacobs", "Obrien", "Lynch", "Singh", "Vega", "Bishop", "Montgomery",
    "Oliver", "Jensen", "Harvey", "Williamson", "Gilbert", "Dean", "Sims", "Espinoza",
    "Howell", "Li", "Wong", "Reid", "Hanson", "Le", "McCoy", "Garrett", "Burton",
    "Fuller", "Wang", "Weber", "Welch", "Rojas", "Lucero", "Trujillo", "Archuleta",
    "Montoya", "Baca", "Vigil", "Martinez-Lucero", "Tafoya", "Gallegos", "Maestas",
    "Pham", "Vu", "Yamamoto", "Tanaka", "Kowalski", "Novak", "Abebe", "Tesfaye",
    "Okafor", "Mensah", "Haddad", "Khan", "Ivanov", "Petrov", "Park", "Choi",
]  # fmt: skip
PLACE_WORDS = [
    "Mile High", "Front Range", "Rocky Mountain", "Cherry Creek", "Highlands",
    "Platte River", "Red Rocks", "Colfax", "Sloan's Lake", "Wash Park", "Union Station",
    "Capitol Hill", "Five Points", "Baker", "Larimer", "Golden Triangle", "Sunnyside",
    "Berkeley", "Park Hill", "Montclair", "Congress Park", "Lowry", "Central Park",
    "Green Valley", "Bear Creek", "Clear Creek", "Belmar", "Belcaro", "Hilltop",
    "University Park", "Platt Park", "Cole", "Globeville", "Montbello", "Athmar",
    "Harvey Park", "Ruby Hill", "Westwood", "Villa Park", "Regis", "Inspiration Point",
    "Summit", "Alpine", "Blue Spruce", "Columbine", "Aspen", "Evergreen", "Pikes Peak",
    "Longs Peak", "Continental",
]  # fmt: skip
# Businesses by who they are to each line of business: (trade, customer class).
BUSINESS_TRADES = [
    ("Coffee Roasters", "commercial"), ("Dental Group", "commercial"),
    ("Auto Repair", "commercial"), ("Bakery", "commercial"),
    ("Brewing Co.", "commercial"), ("Veterinary Clinic", "commercial"),
    ("Property Management", "commercial"), ("Family Medicine", "commercial"),
    ("Hardware", "commercial"), ("Laundromat", "commercial"), ("Print Shop", "commercial"),
    ("Fitness", "commercial"), ("Yoga Studio", "commercial"),
    ("Montessori School", "commercial"), ("Self Storage", "commercial"),
    ("Flooring", "commercial"), ("Law Office", "commercial"), ("Taqueria", "commercial"),
    ("Pho House", "commercial"), ("Pizzeria", "commercial"), ("Diner", "commercial"),
    ("Cleaners", "commercial"), ("Apartments", "commercial"),
    ("Senior Living", "commercial"), ("Animal Hospital", "commercial"),
    ("Bike Shop", "commercial"), ("Florist", "commercial"), ("Pharmacy", "commercial"),
    ("Cold Storage", "industrial"), ("Metal Works", "industrial"),
    ("Machine Shop", "industrial"), ("Plastics", "industrial"),
    ("Distribution Center", "industrial"), ("Recreation Center", "government"),
    ("Public Library Branch", "government"), ("Fire Station", "government"),
]  # fmt: skip
LEGAL_SUFFIXES = ["", "", "", "LLC", "Inc.", "Co."]
EMAIL_DOMAINS = ["example.com", "example.net", "example.org"]  # reserved: never delivered
ORG_EMAIL_LOCALS = ["office", "billing", "accounts", "info", "facilities", "manager"]
LANGUAGES = [("en", 90), ("es", 8), ("vi", 1), ("zh", 1)]

# Phone numbers: +1 303 / +1 720, never the 555 exchange (kept for the showcase account,
# whose 555-01xx number is from the range reserved for fiction).
AREA_CODES = ["303", "720"]
EXCHANGES = [x for x in range(201, 1000) if x % 100 != 11 and x != 555 and x // 100 != 9]

# --- What each line of business sells ------------------------------------------------------
UTILITY_SERVICES = {
    # kind: (description by class, identifier prefix, meter kind, makes)
    "electric": (
        {
            "residential": "Residential electric service, Schedule R",
            "commercial": "Commercial electric service, Schedule C",
            "industrial": "Primary voltage service, Schedule PV",
            "government": "Municipal electric service, Schedule M",
        },
        "EM",
        "Electric meter",
        [("Itron", "OpenWay Riva"), ("Landis+Gyr", "Revelo"), ("Aclara", "I-210+c")],
    ),
    "gas": (
        {
            "residential": "Residential gas service, Schedule RG",
            "commercial": "Commercial gas service, Schedule CG",
            "industrial": "Interruptible gas service, Schedule IG",
            "government": "Municipal gas service, Schedule MG",
        },
        "GM",
        "Gas meter",
        [("Sensus", "R-275"), ("Elster", "AC-250"), ("Itron", "Sentry 275")],
    ),
    "water": (
        {
            "residential": 'Residential water service, 3/4" meter',
            "commercial": 'Commercial water service, 2" meter',
            "industrial": 'Industrial water service, 4" meter',
            "government": 'Municipal water service, 2" meter',
        },
        "WM",
        "Water meter",
        [("Badger Meter", "E-Series"), ("Neptune", "T-10"), ("Sensus", "iPERL")],
    ),
}
TELECOM_PLANS = {
    "residential": [
        ("internet", "Fiber 500 Mbps"),
        ("internet", "Fiber 1 Gbps"),
        ("internet", "DSL 40 Mbps"),
        ("phone_line", "Home phone, unlimited local and long distance"),
    ],
    "business": [
        ("internet", "Business fiber 1 Gbps, static IP"),
        ("internet", "Business fiber 300 Mbps"),
        ("phone_line", "Business line, hunt group"),
        ("phone_line", "Business line, fax"),
    ],
}
TELECOM_EQUIPMENT = [
    ("Optical network terminal", "Calix", "GigaPoint 803G"),
    ("Optical network terminal", "Nokia", "G-010G-Q"),
    ("Wi-Fi router", "Eero", "Pro 6E"),
    ("Wi-Fi router", "Calix", "GigaSpire u6"),
    ("DSL modem", "Zyxel", "C3000Z"),
    ("DSL modem", "Adtran", "834-v6"),
    ("Voice adapter", "Grandstream", "HT812"),
]
FIELD_CONTRACTS = [
    # (description, kind, equipment kinds it covers)
    ("Comfort plan: furnace and AC tune-up twice a year", "maintenance", ["Furnace", "Air conditioner"]),
    ("Heat pump maintenance plan, 2 visits a year", "maintenance", ["Heat pump"]),
    ("Water heater flush and inspection, yearly", "maintenance", ["Water heater"]),
    ("Quarterly pest control", "maintenance", []),
    ("Solar monitoring and yearly panel inspection", "monitoring", ["Solar inverter"]),
    ("Boiler service plan, yearly", "maintenance", ["Boiler"]),
    ("Rooftop unit PM, quarterly", "maintenance", ["Rooftop unit"]),
    ("Electrical panel inspection, yearly", "maintenance", ["Electrical panel"]),
]  # fmt: skip
FIELD_EQUIPMENT = {
    "Furnace": [("Carrier", "59TP6"), ("Trane", "S9V2"), ("Lennox", "EL296V"), ("Goodman", "GMVC96")],
    "Air conditioner": [("Carrier", "24ACC6"), ("Trane", "XR16"), ("Lennox", "XC21")],
    "Heat pump": [("Mitsubishi", "MXZ-3C24"), ("Daikin", "DZ6VSA"), ("Bosch", "IDS 2.0")],
    "Water heater": [("Rheem", "Performance Platinum 50"), ("A. O. Smith", "ProLine XE"), ("Bradford White", "RG250T6N")],
    "Solar inverter": [("Enphase", "IQ8+"), ("SolarEdge", "SE7600H"), ("SMA", "Sunny Boy 7.7")],
    "Boiler": [("Navien", "NHB-150"), ("Weil-McLain", "ECO Tec 110")],
    "Rooftop unit": [("Carrier", "48FC"), ("Trane", "Voyager 3"), ("York", "ZF Series")],
    "Electrical panel": [("Square D", "QO 200A"), ("Eaton", "BR 200A"), ("Siemens", "PL 200A")],
}  # fmt: skip

# --- What customers call about ----------------------------------------------------------------
NOTE_TEXTS = {
    "utility": [
        "Customer asked why this month's bill is higher; explained the cold snap and the estimated read.",
        "Set up a payment by phone; confirmed the amount posts today.",
        "Customer reported a flickering porch light; no outage in the area, advised an electrician.",
        "Called to start service at a new address; move-in date confirmed.",
        "Asked about budget billing; sent the enrollment form.",
        "Meter reader could not access the yard, dog on premise; asked customer to leave the gate open.",
        "Customer requested a copy of the last statement by email.",
        "Explained the disconnect notice and the amount needed to avoid it.",
        "Gas odor reported outside; told customer to leave and call 911, dispatched emergency crew.",
        "Asked about low-income assistance (LEAP); gave the application details.",
        "Water pressure low since this morning; main break reported nearby, crew on site.",
        "Customer updated mailing address for the bills.",
    ],
    "telecom": [
        "Internet drops every evening; walked through a modem restart, line test clean.",
        "Customer asked to upgrade to Fiber 1 Gbps; quoted the new monthly rate.",
        "No dial tone on the home line; opened a trouble ticket.",
        "Explained the restoration fee after suspension for non-payment.",
        "Customer moving next month; scheduled the disconnect and equipment return.",
        "Wi-Fi weak upstairs; recommended a mesh extender.",
        "Billing question about a one-time installation charge; explained the promotion credit.",
        "Customer requested paperless billing.",
        "Slow speeds reported; speed test shows 80 Mbps on a 500 Mbps plan.",
        "Asked about Lifeline telephone assistance eligibility.",
    ],
    "field_service": [
        "Furnace makes a banging noise at start-up; booked a diagnostic visit.",
        "Customer asked when the spring AC tune-up is due; next visit in April.",
        "Technician replaced the flame sensor; customer satisfied.",
        "Quote sent for a new water heater; customer comparing options.",
        "Customer reported ants in the kitchen; added an interim pest treatment.",
        "Solar production dropped by a third; checking the inverter remotely.",
        "Rescheduled the maintenance visit at customer's request.",
        "Invoice question about the trip charge; explained the after-hours rate.",
        "Customer wants to add the heat pump to the maintenance plan.",
        "Thermostat replaced under warranty; no charge.",
    ],
}
INTERNAL_NOTE_TEXTS = [
    "Account reviewed for the quarterly credit check.",
    "Verified identity with the last four of the account holder's SSN and the service address.",
    "Supervisor approved a one-time courtesy credit.",
    "Returned mail; address flagged for verification.",
    "Customer prefers contact after 5 pm.",
]
CASE_TEXTS = {
    # (case type, subject, description) by line of business
    "utility": [
        ("trouble_ticket", "Power out at the premise", "Whole house without power since early morning; neighbours have power."),
        ("trouble_ticket", "Partial outage, half the outlets dead", "Customer checked the breakers; suspects a lost leg on the service drop."),
        ("trouble_ticket", "Low water pressure", "Pressure dropped at all fixtures since yesterday."),
        ("trouble_ticket", "Smell of gas near the meter", "Faint odor by the meter set; crew asked to check for a leak."),
        ("billing_dispute", "High bill dispute", "Bill doubled compared to last year; customer says usage did not change."),
        ("billing_dispute", "Estimated read too high", "Customer sent a photo of the meter showing a lower read than billed."),
        ("inquiry", "Start service at new address", "Customer moving in on the 1st; needs electric and gas on."),
        ("inquiry", "Budget billing question", "How is the monthly amount calculated and trued up?"),
        ("complaint", "Crew left the yard torn up", "Meter replacement crew left ruts in the lawn."),
        ("callback", "Answering service: call back about notice", "Customer received a disconnect notice and wants to talk about an arrangement."),
        ("escalation", "Medical certificate and pending disconnect", "Customer has a medical certificate on file; disconnect order needs review."),
    ],
    "telecom": [
        ("trouble_ticket", "Internet down", "No internet since last night; ONT shows a red PON light."),
        ("trouble_ticket", "No dial tone", "Home phone has no dial tone; internet works."),
        ("trouble_ticket", "Intermittent drops in the evening", "Connection drops several times between 7 and 10 pm."),
        ("trouble_ticket", "Slow speeds on fiber plan", "Speed tests show a fraction of the subscribed rate on wired devices."),
        ("billing_dispute", "Charged after cancellation", "Customer cancelled the phone line last month but was billed again."),
        ("billing_dispute", "Restoration fee dispute", "Customer says payment was made before the suspension date."),
        ("inquiry", "Upgrade to gigabit", "Wants to know the price and the install date for Fiber 1 Gbps."),
        ("complaint", "Technician missed the appointment", "No-show for the 8-12 window; customer took the morning off."),
        ("callback", "Answering service: call back about outage", "Customer called after hours about an outage; wants an update."),
        ("escalation", "Repeated outage, third ticket this month", "Third trouble report in 30 days; needs a senior technician."),
    ],
    "field_service": [
        ("trouble_ticket", "No heat", "Furnace runs but blows cold air; house at 58 degrees."),
        ("trouble_ticket", "AC not cooling", "Outdoor unit runs, indoor air is warm."),
        ("trouble_ticket", "Water heater leaking", "Puddle under the tank; customer shut the supply valve."),
        ("trouble_ticket", "Solar inverter fault", "Inverter shows an isolation fault; no production since Tuesday."),
        ("billing_dispute", "Charged for a covered repair", "Customer believes the part is covered by the comfort plan."),
        ("inquiry", "When is my next maintenance visit", "Customer wants to schedule the fall tune-up."),
        ("inquiry", "Quote for a new furnace", "Furnace is 22 years old; customer wants options and financing."),
        ("complaint", "Technician arrived late", "Technician came two hours after the window with no call."),
        ("callback", "Answering service: no heat after hours", "Message from the answering service at 11 pm: no heat, elderly resident."),
        ("escalation", "Third visit for the same problem", "AC repaired twice this month and failed again; customer wants a replacement."),
    ],
}  # fmt: skip
CASE_REPLY_TEXTS = [
    "Thanks for your patience. We have scheduled a technician and will confirm the window.",
    "We reviewed your account and found the cause; details below.",
    "Could you send us a photo of the meter and the date you took it?",
    "Your service was restored at 2:40 pm. Please let us know if anything is still wrong.",
    "We applied a credit to your account; it appears on your next bill.",
    "We are waiting on the carrier's repair team and will update you by tomorrow noon.",
]
CASE_INTERNAL_TEXTS = [
    "Line test run: no fault found at the central office.",
    "Checked outage map, no known outage in the area.",
    "Called the customer, left a voicemail.",
    "Carrier ticket opened, reference in the case history.",
    "Reviewed the last 12 months of usage; the increase matches the weather.",
    "Parts ordered, ETA two business days.",
]
# What the representative wrote when resolving, by resolution code.
RESOLUTION_SUMMARIES = {
    "fixed": [
        "Technician replaced the damaged drop; service tested good end to end.",
        "Replaced the failed part; system running normally.",
    ],
    "no-fault-found": [
        "Line test and site visit found no fault; service working on departure.",
        "Could not reproduce; customer to call if it happens again.",
    ],
    "outage-restored": [
        "Outage in the area restored by the line crew.",
        "Feeder fault repaired; power back to the street.",
    ],
    "carrier-repaired": [
        "Outside carrier repaired the cable in the right of way.",
        "Carrier replaced the pedestal terminal; dial tone restored.",
    ],
    "equipment-replaced": [
        "Swapped the modem; speeds back to plan.",
        "Meter replaced; reads normal since.",
    ],
    "explained": [
        "Explained how the charges are calculated; customer satisfied.",
        "Walked the customer through the bill line by line.",
    ],
    "information-provided": [
        "Sent the requested information by email.",
        "Service start confirmed for the requested date.",
    ],
    "credit-issued": [
        "Credit approved and applied; shows on the next bill.",
        "Courtesy credit for the missed appointment.",
    ],
    "bill-corrected": ["Meter re-read: the estimate was high; bill corrected and reissued."],
    "adjustment-denied": [
        "Usage matches the weather and the meter test; charges upheld, explained to the customer."
    ],
    "apology": [
        "Apologised; crew returned to repair the lawn.",
        "Reviewed with the technician's supervisor; customer accepted the explanation.",
    ],
    "callback-completed": ["Called back and resolved on the call."],
    "unable-to-reach": ["Called back twice and left voicemails; closing per policy."],
    "duplicate": ["Same issue as an open case on the account; worked there."],
    "customer-withdrew": ["Customer no longer needs help with this."],
}
ESCALATION_REASONS = [
    "Customer asked for a supervisor",
    "Repeat contact on the same issue",
    "Vulnerable customer (medical certificate on file)",
    "Outside my approval limit",
]
THIRD_PARTY_REASONS = [
    "Waiting on the outside carrier's repair team",
    "Waiting on the meter shop's test results",
    "Waiting on the manufacturer's warranty decision",
]
WAITING_CUSTOMER_REASONS = [
    "Asked the customer for a meter photo",
    "Customer will confirm an access window",
    "Waiting for the signed consent form",
]

# --- Reference records ----------------------------------------------------------------------
CALENDAR_NAME = "Standard business hours (Denver)"
HOLIDAY_YEARS = (2026, 2027)

# Targets in working minutes on the standard calendar (a business day is 9 hours = 540).
DAY = 540
SLA_TARGETS: dict[str, dict[str, tuple[int, int]]] = {
    # case type: {priority: (first response, resolution)}
    "trouble_ticket": {"urgent": (30, 240), "high": (60, 480), "normal": (120, 2 * DAY), "low": (240, 3 * DAY)},
    "escalation": {"urgent": (30, 240), "high": (60, 480), "normal": (120, DAY), "low": (240, 2 * DAY)},
    "callback": {"urgent": (15, 120), "high": (30, 240), "normal": (60, DAY), "low": (240, 2 * DAY)},
    "complaint": {"urgent": (60, 480), "high": (120, DAY), "normal": (240, 3 * DAY), "low": (DAY, 5 * DAY)},
    "billing_dispute": {"urgent": (60, DAY), "high": (120, 2 * DAY), "normal": (240, 5 * DAY), "low": (DAY, 10 * DAY)},
    "inquiry": {"urgent": (60, 240), "high": (120, DAY), "normal": (240, 2 * DAY), "low": (DAY, 5 * DAY)},
    "unauthorized_usage": {"urgent": (120, 2 * DAY), "high": (DAY, 5 * DAY), "normal": (2 * DAY, 10 * DAY), "low": (3 * DAY, 20 * DAY)},
}  # fmt: skip
# Queues: (slug, name, description, the case types that land there by default).
QUEUES = [
    ("customer-care", "Customer care", "Inquiries, complaints and callbacks", ["inquiry", "complaint", "callback"]),
    ("billing", "Billing", "Billing disputes and adjustments", ["billing_dispute"]),
    ("technical-support", "Technical support", "Trouble tickets and outages", ["trouble_ticket"]),
    ("escalations", "Escalations", "Escalated cases and SLA risks, worked by tier II and supervisors", ["escalation"]),
    ("revenue-protection", "Revenue protection", "Unauthorized-usage referrals, worked by investigators", ["unauthorized_usage"]),
]  # fmt: skip
QUEUE_MEMBERS = {
    "customer-care": ["demo.rep", "demo.rep2", "demo.supervisor"],
    "billing": ["demo.billing", "demo.collections", "demo.rep2"],
    "technical-support": ["demo.rep2", "demo.dispatcher", "demo.admin-svc"],
    "escalations": ["demo.rep2", "demo.supervisor"],
    "revenue-protection": ["demo.collections", "demo.supervisor"],
}
RESOLUTION_CODES = [
    # (code, label, case types it fits; empty = all)
    ("fixed", "Repaired / fixed", ["trouble_ticket", "escalation"]),
    ("no-fault-found", "No fault found", ["trouble_ticket"]),
    ("outage-restored", "Outage restored", ["trouble_ticket", "escalation"]),
    ("carrier-repaired", "Repaired by the outside carrier", ["trouble_ticket", "escalation"]),
    ("equipment-replaced", "Equipment replaced", ["trouble_ticket", "escalation"]),
    ("explained", "Explained to the customer", ["inquiry", "billing_dispute", "complaint", "callback"]),
    ("information-provided", "Information provided", ["inquiry", "callback"]),
    ("credit-issued", "Credit issued", ["billing_dispute", "complaint", "escalation"]),
    ("bill-corrected", "Bill corrected (re-read / re-bill)", ["billing_dispute"]),
    ("adjustment-denied", "Charges upheld, no adjustment", ["billing_dispute"]),
    ("apology", "Apologised, no further action", ["complaint"]),
    ("callback-completed", "Called back, resolved on the call", ["callback"]),
    ("unable-to-reach", "Unable to reach the customer", ["callback", "inquiry"]),
    ("usage-confirmed", "Unauthorized usage confirmed, usage back-billed", ["unauthorized_usage"]),
    ("usage-unfounded", "No unauthorized usage found", ["unauthorized_usage"]),
    ("referred-to-authorities", "Referred to the authorities", ["unauthorized_usage"]),
    ("duplicate", "Duplicate of another case", []),
    ("customer-withdrew", "Customer withdrew the request", []),
]  # fmt: skip
CANNED_RESPONSES = [
    ("Outage acknowledged", "trouble_ticket",
     "We know about the outage in your area. Crews are working on it and we expect service back by {time}. We will text you when it is restored."),
    ("Technician scheduled", "trouble_ticket",
     "We have booked a technician for {date} between {window}. The technician will call about 30 minutes before arriving."),
    ("Power-cycle instructions", "trouble_ticket",
     "Please unplug the modem and the router, wait 30 seconds, plug in the modem, wait until its lights are steady, then plug in the router."),
    ("Dispute received", "billing_dispute",
     "We received your dispute of the bill dated {date}. The disputed amount is held out of collections while we review it; we will answer within five business days."),
    ("Bill explained", "billing_dispute",
     "Your bill was higher because of {reason}. The charges are correct; we can set up budget billing to even out future bills."),
    ("Meter photo request", "billing_dispute",
     "Could you send us a photo of your meter showing the reading and the meter number? Reply to this message with the picture."),
    ("Thanks for your patience", "",
     "Thank you for your patience while we looked into this. Here is what we found:"),
    ("Apology for a missed appointment", "complaint",
     "We are sorry we missed your appointment. We have credited the trip charge and booked the first slot available."),
]  # fmt: skip
# Diagnostics: (case type, line of business or "" for all, name, [(prompt, answer kind,
# choices, required)]). A utility's power-out ticket does not ask about the modem.
CHECKLISTS = [
    ("trouble_ticket", "telecom", "Internet and phone line diagnostics", [
        ("Are the modem lights normal (power, PON/DSL, internet)?", "yes_no", [], True),
        ("Has the customer power-cycled the modem and the router?", "yes_no", [], True),
        ("Is there a known outage in the area?", "yes_no", [], True),
        ("Which service is affected?", "choice", ["Internet", "Phone line", "Both"], True),
        ("Speed test on a wired device (Mbps)", "number", [], False),
    ]),
    ("trouble_ticket", "utility", "Service interruption diagnostics", [
        ("Has the customer checked the main breaker or the shut-off valve?", "yes_no", [], True),
        ("Are the neighbours out too?", "yes_no", [], True),
        ("Is there a known outage in the area?", "yes_no", [], True),
        ("Which service is affected?", "choice", ["Electric", "Gas", "Water"], True),
        ("Any smell of gas, sparks or downed lines? (if yes: 911 first)", "yes_no", [], True),
    ]),
    ("trouble_ticket", "field_service", "Equipment diagnostics", [
        ("Is the thermostat set correctly and powered?", "yes_no", [], True),
        ("Which system is affected?", "choice", ["Heating", "Cooling", "Water heater", "Solar", "Electrical", "Other"], True),
        ("Was the filter changed in the last three months?", "yes_no", [], False),
        ("Error code shown on the equipment", "text", [], False),
    ]),
    ("billing_dispute", "", "Billing dispute intake", [
        ("Disputed amount (USD)", "number", [], True),
        ("Bill date of the disputed invoice (YYYY-MM-DD)", "text", [], True),
        ("Was the meter read actual or estimated?", "choice", ["Actual", "Estimated", "Not applicable"], True),
        ("Customer told the disputed amount is held out of collections?", "yes_no", [], True),
        ("Any adjustment in the last 12 months?", "yes_no", [], False),
    ]),
]  # fmt: skip
PROGRAMS = [
    ("budget-billing", "Budget billing", "Equal monthly payments, trued up once a year."),
    ("low-income-assistance", "Low-income assistance", "Bill discount and arrears help for qualifying households (LEAP)."),
    ("paperless", "Paperless billing", "Bills and notices by email instead of mail."),
    ("medical-baseline", "Medical baseline", "Extra baseline allowance for life-support and medical equipment at home."),
    ("lifeline", "Lifeline telephone assistance", "Federal Lifeline discount on phone or internet service."),
]  # fmt: skip

# Demo users, one per role: (username, role, first name, last name, superuser).
DEMO_PASSWORD = "servicebook-demo-2026"
DEMO_USERS = [
    ("demo.rep", "rep1", "Riley", "Chen", False),
    ("demo.rep2", "rep2", "Marisol", "Vigil", False),
    ("demo.dispatcher", "dispatcher", "Dwayne", "Okafor", False),
    ("demo.admin-svc", "service_admin", "Priya", "Raman", False),
    ("demo.billing", "billing", "Gordon", "Lindqvist", False),
    ("demo.collections", "collections", "Tamara", "Banks", False),
    ("demo.supervisor", "supervisor", "Helen", "Archuleta", False),
    ("demo.admin", "admin", "Sam", "Whitaker", True),
]

# The showcase account: one customer every demo and test can find by phone.
SHOWCASE_PHONE = "+13035550147"
SHOWCASE_PHONE_DISPLAY = "(303) 555-0147"


# --- US federal holidays ------------------------------------------------------------------------


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> dt.date:
    """The n-th (1-based; -1 = last) given weekday (Monday = 0) of a month."""
    if n > 0:
        first = dt.date(year, month, 1)
        return first + dt.timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    last = nxt - dt.timedelta(days=1)
    return last - dt.timedelta(days=(last.weekday() - weekday) % 7)


def _observed(day: dt.date) -> dt.date:
    """A holiday on a Saturday is observed on Friday, on a Sunday on Monday (5 U.S.C. 6103)."""
    if day.weekday() == 5:
        return day - dt.timedelta(days=1)
    if day.weekday() == 6:
        return day + dt.timedelta(days=1)
    return day


def federal_holidays(year: int) -> list[tuple[dt.date, str]]:
    """The U.S. federal holidays observed in `year`, by their observed dates.

    New Year's Day of the next year falls on Dec 31 of this one when Jan 1 is a Saturday.
    """
    fixed = [
        (dt.date(year, 1, 1), "New Year's Day"),
        (dt.date(year, 6, 19), "Juneteenth National Independence Day"),
        (dt.date(year, 7, 4), "Independence Day"),
        (dt.date(year, 11, 11), "Veterans Day"),
        (dt.date(year, 12, 25), "Christmas Day"),
    ]
    days = [(_observed(d), n) for d, n in fixed if _observed(d).year == year]
    days += [
        (_nth_weekday(year, 1, 0, 3), "Birthday of Martin Luther King, Jr."),
        (_nth_weekday(year, 2, 0, 3), "Washington's Birthday"),
        (_nth_weekday(year, 5, 0, -1), "Memorial Day"),
        (_nth_weekday(year, 9, 0, 1), "Labor Day"),
        (_nth_weekday(year, 10, 0, 2), "Columbus Day"),
        (_nth_weekday(year, 11, 3, 4), "Thanksgiving Day"),
    ]
    next_new_year = _observed(dt.date(year + 1, 1, 1))
    if next_new_year.year == year:
        days.append((next_new_year, "New Year's Day (observed)"))
    return sorted(days)
