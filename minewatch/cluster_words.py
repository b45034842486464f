"""The word lists behind story clustering: wire agencies, place nouns, every state's names,
demonyms and capitals, legislatures, numbers, stop words, concepts (synonyms folded into
one token) and treaty phrases. Data, kept apart from the rules in cluster.py.
"""

from __future__ import annotations

# Small built-in tables, kept here so clustering depends on nothing else in minewatch.

WIRE_AGENCIES = (
    "AP", "Associated Press", "Reuters", "AFP", "Agence France-Presse", "UPI", "TASS", "Xinhua",
    "Anadolu", "dpa", "EFE", "ANSA", "Kyodo", "Yonhap", "Ukrinform", "Interfax", "BNS", "LETA",
    "PAP", "Bernama", "IANS", "PTI",
)

PLACE_NOUNS = (
    "province", "provinces", "district", "districts", "region", "oblast", "governorate", "county",
    "village", "town", "city", "municipality", "department", "prefecture", "commune", "valley",
)

# Country code: names, demonyms and capitals as governments use them. Capitals that are also
# treaty names (Ottawa, Oslo) are left out on purpose.
COUNTRY_TABLE = """
af: afghanistan, afghan, afghans, kabul
al: albania, albanian, tirana
dz: algeria, algerian, algiers
ao: angola, angolan, luanda
am: armenia, armenian, yerevan
au: australia, australian, canberra
at: austria, austrian, vienna
az: azerbaijan, azerbaijani, baku
bd: bangladesh, bangladeshi, dhaka
by: belarus, belarusian, minsk
be: belgium, belgian
ba: bosnia, bosnian, bosnia and herzegovina, sarajevo
bf: burkina faso, burkinabe, ouagadougou
kh: cambodia, cambodian, cambodians, khmer, phnom penh
cm: cameroon, cameroonian, yaounde
ca: canada, canadian
td: chad, chadian, n'djamena
cl: chile, chilean
cn: china, chinese, beijing
co: colombia, colombian, colombians, bogota, bogotá
cd: democratic republic of the congo, dr congo, kinshasa, congolese
hr: croatia, croatian, zagreb
cu: cuba, cuban, havana
cy: cyprus, cypriot, nicosia
cz: czech republic, czechia, czech, prague
dk: denmark, danish, copenhagen
eg: egypt, egyptian, cairo
er: eritrea, eritrean, asmara
ee: estonia, estonian, estonians, tallinn
et: ethiopia, ethiopian, addis ababa
fi: finland, finnish, finns, helsinki
fr: france, french, paris
ge: georgia, georgian, tbilisi
de: germany, german, germans, berlin
gr: greece, greek, athens
hu: hungary, hungarian, budapest
in: india, indian, new delhi
id: indonesia, indonesian, jakarta
ir: iran, iranian, tehran
iq: iraq, iraqi, iraqis, baghdad
ie: ireland, irish, dublin
il: israel, israeli, israelis
it: italy, italian, rome
jp: japan, japanese, tokyo
jo: jordan, jordanian, amman
kz: kazakhstan, kazakh, astana
xk: kosovo, kosovar, pristina
kg: kyrgyzstan, kyrgyz, bishkek
la: laos, lao, laotian, vientiane
lv: latvia, latvian, latvians, riga
lb: lebanon, lebanese, beirut
ly: libya, libyan, libyans
lt: lithuania, lithuanian, lithuanians, vilnius
ml: mali, malian, bamako
mx: mexico, mexican
md: moldova, moldovan, chisinau
ma: morocco, moroccan, rabat
mz: mozambique, mozambican, maputo
mm: myanmar, burma, burmese, naypyidaw
np: nepal, nepalese, nepali, kathmandu
nl: netherlands, dutch, the hague
nz: new zealand
ni: nicaragua, nicaraguan, managua
ne: niger, nigerien, niamey
ng: nigeria, nigerian, nigerians, abuja
kp: north korea, north korean, pyongyang
mk: north macedonia, macedonian, skopje
no: norway, norwegian
pk: pakistan, pakistani, islamabad
ps: palestine, palestinian, palestinians, gaza, west bank
pe: peru, peruvian, lima
ph: philippines, philippine, filipino, manila
pl: poland, polish, poles, warsaw
pt: portugal, portuguese, lisbon
ro: romania, romanian, bucharest
ru: russia, russian, russians, moscow, kremlin
sa: saudi arabia, saudi, riyadh
sn: senegal, senegalese, dakar
rs: serbia, serbian, belgrade
so: somalia, somali, mogadishu
za: south africa, south african, pretoria
kr: south korea, south korean, seoul
ss: south sudan, south sudanese, juba
es: spain, spanish, madrid
lk: sri lanka, sri lankan, colombo
sd: sudan, sudanese, khartoum
se: sweden, swedish, stockholm
ch: switzerland, swiss, bern
sy: syria, syrian, syrians, damascus
tj: tajikistan, tajik, dushanbe
th: thailand, thai, bangkok
tn: tunisia, tunisian, tunis
tr: turkey, türkiye, turkish, ankara
ua: ukraine, ukrainian, ukrainians, kyiv, kiev
gb: united kingdom, britain, great britain, british
us: united states, american, americans, washington
uz: uzbekistan, uzbek, tashkent
vn: vietnam, viet nam, vietnamese, hanoi
eh: western sahara, sahrawi
ye: yemen, yemeni, yemenis, sanaa, sana'a
zw: zimbabwe, zimbabwean, harare
"""

# Parliaments named by their own names say which country acts, and that a vote is meant.
LEGISLATURES = {
    "seimas": "lt", "saeima": "lv", "riigikogu": "ee", "eduskunta": "fi", "sejm": "pl",
    "verkhovna rada": "ua", "rada": "ua", "knesset": "il", "state duma": "ru", "duma": "ru",
    "bundestag": "de", "storting": "no", "riksdag": "se", "folketing": "dk", "majlis": "ir",
}

WEEKDAYS = frozenset(
    ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
)

MONTHS = {
    name: f"{number:02d}"
    for number, names in enumerate(
        (("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"), ("may",),
         ("june", "jun"), ("july", "jul"), ("august", "aug"), ("september", "sep", "sept"),
         ("october", "oct"), ("november", "nov"), ("december", "dec")),
        start=1,
    )
    for name in names
}

NUMBER_WORDS = {
    word: str(value)
    for value, word in enumerate(
        ("two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen "
         "sixteen seventeen eighteen nineteen twenty").split(),
        start=2,
    )
}
NUMBER_WORDS.update({"thirty": "30", "forty": "40", "fifty": "50", "dozen": "12"})

# A number before these is a span of time or an age ("six months", "14 years", "8-year-old"):
# incidental, so it neither matches nor sets stories apart.
DURATION_WORDS = frozenset(
    "year years month months week weeks day days hour hours minute minutes decade decades "
    "percent per cent times fold".split()
)

STOPWORDS = frozenset(
    """a about above after again against ago all also am an and any are as at be because been
    before being below between both but by can could did do does doing down during each even
    ever every few for from further had has have having he her here hers him his how however i
    if in into is it its itself just last least less like made make many may me might more most
    much must my near new news no nor not now of off on once one only or other our out over own
    per same says said say saying she should since so some still such than that the their them
    then there these they this those through thus to told too under until up upon us very via
    was we were what when where whether which while who whom whose why will with within would
    yet you your yesterday today tonight earlier later first second third another around across
    amid among according told reported reporting added adding including several'""".split()
)

# Stems too general in mine news to tell events apart.
STOP_STEMS = frozenset(
    """official spokesman spokeswoman spokesperson statement week month day year time people
    person country state government local news report told say call warn add part number least
    more than""".split()
)

# Frequent in every mine story: they count, but little.
LIGHT_TOKENS = frozenset(
    ("~mine", "~ottawa", "treaty", "convention", "ban", "~antipersonnel", "~un", "~defence",
     "~minister", "~withdraw", "ministry", "foreign", "~parliament", "~supply")
)

# Capitalised words that are not names of people or places.
CAPITALISED_COMMON = frozenset(
    """the a an in on at of for and but this that these those it its he she they we his her
    their our president prime minister ministry defence defense foreign interior secretary
    general government parliament un united nation nations convention treaty ottawa mine mines
    landmine landmines ban monitor army police officials official military force forces
    authority agency centre center council court national international world global south
    north east west southern northern eastern western central new former state states
    republic king queen mr mrs ms dr gen col lt saint st january february march april may june
    july august september october november december monday tuesday wednesday thursday friday
    saturday sunday anti self non action""".split()
)

IRREGULAR = {
    "withdrew": "withdraw", "withdrawn": "withdraw", "children": "child", "men": "man",
    "women": "woman", "died": "die", "dying": "die", "lost": "lose", "sent": "send",
    "gave": "give", "given": "give", "took": "take", "taken": "take", "began": "begin",
    "begun": "begin", "met": "meet", "blew": "blow", "left": "left", "news": "news",
    "ministries": "ministry", "casualties": "casualty", "was": "was", "has": "has",
}

# Words that say the same thing in the ways wires vary their copy: one concept token each.
CONCEPT_GROUPS = {
    "withdraw": "withdraw withdrawal withdrawing quit quitting leave leaving exit exits exiting "
                "renounce abandon ditch departure pullout",
    "ottawa": "ottawatreaty",
    "mine": "mine mines landmine landmines",
    "blast": "blast explosion explode exploded detonate detonated detonation",
    "kill": "kill killed killing dead death deaths die fatal fatally",
    "injure": "injure injured injury injuries wound wounded hurt maim maimed amputate",
    "child": "child kid boy girl teenager teen",
    "soldier": "soldier serviceman troop",
    "deminer": "deminer sapper",
    "clear": "clear cleared clearing clearance demine demining minefree",
    "deposit": "deposit deposited instrument notify notified notifies notification notice",
    "vote": "vote voted voting ballot",
    "parliament": "parliament parliamentary lawmaker legislator mp mps seimas saeima sejm "
                  "riigikogu eduskunta rada verkhovna legislature",
    "approve": "approve approved approval back backed backing endorse endorsed",
    "sign": "sign signed signing signature decree",
    "effect": "ineffect",
    "propose": "recommend recommended recommendation propose proposed proposal plan planned "
               "intend intends intention",
    "un": "un secretarygeneral guterres",
    "casualty": "casualty casualties victim toll",
    "supply": "provide supply send give deliver transfer ship",
    "nonpersistent": "nonpersistent",
    "antipersonnel": "antipersonnel",
    "antitank": "antitank",
    "defence": "defence defense military",
    "minister": "minister",
}

# Concepts that name a step of a state's treaty process: two stories reporting different steps
# are different events, however alike their wording.
STAGE_OF_CONCEPT = {
    "~vote": "vote", "~parliament": "vote", "~sign": "sign", "~deposit": "deposit",
    "~effect": "effect", "~propose": "propose",
}

# Multi-word expressions folded into one word before tokenising (order matters). Each pattern
# must begin with literal text: the clusterer tries it only where that text occurs.
PHRASES = (
    (r"\banti[- ]?personnel\b", "antipersonnel"),
    (r"\banti[- ]?(?:tank|vehicle)\b", "antitank"),
    (r"\bland[- ]mines?\b", "landmine"),
    (r"\bfree of (?:land)?mines?\b|\b(?:land)?mine[- ]free\b", "minefree"),
    (r"\bconvention on the prohibition\b[^.]*?\bdestruction\b", "ottawatreaty"),
    (r"\b(?:the\s+)?(?:ottawa|(?:antipersonnel )?(?:land)?mine[- ]ban|antipersonnel(?: landmine|"
     r" mine)?|landmine|mine)\s+(?:treaty|convention)\b", "ottawatreaty"),
    (r"\b(?:treaty|convention) (?:banning|that bans|prohibiting|outlawing) (?:antipersonnel )?"
     r"(?:land)?mines\b", "ottawatreaty"),
    (r"\b(?:antipersonnel )?(?:land)?mine[- ]ban\b", "ottawatreaty"),
    (r"\bapmbc\b", "ottawatreaty"),
    (r"\bunited nations\b|\bu\.n\.", "un"),
    (r"\bsecretary[- ]general\b", "secretarygeneral"),
    (r"\b(?:takes?|took|taken|taking) effect\b|\b(?:enters?|entered|entering|comes?|came) into "
     r"force\b", "ineffect"),
    (r"\bnon[- ]?persistent\b|\bself[- ](?:destruct|deactivat|neutrali[sz])\w*|\bbecome inert\b"
     r"|\blose power\b", "nonpersistent"),
    (r"\bpull(?:s|ed|ing)? out\b", "withdraw"),
    (r"\b(?:went|go|goes|going) off\b|\bstepp?(?:ed|s|ing)? on\b", "exploded"),
    (r"\bwarning signs?\b", "warningsign"),
)
