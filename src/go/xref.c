/*
 * xref.c - does a function's machine code load, store or take the address
 * of a given global? The -X overwrite scan asks this of init functions.
 *
 * Owns: one decoder per instruction set (a row per GOARCH in `arches`) and
 * one register tracker shared by the fixed-width ones. x86 addresses globals
 * directly (RIP-relative disp32 on amd64, absolute disp32 on 386), so its
 * row classifies the opcode in front of each candidate ModRM byte. The other
 * sets build an address in a register (ADRP/ADD, AUIPC/ADDI, LUI/ADDIU,
 * ADDIS/ADDI, PCALAU12I/ADDI.D, a literal-pool load on arm, LARL on s390x)
 * and then load or store through it; the tracker follows those registers,
 * forgets one when an instruction writes it, and records each access to the
 * range with its kind. The decoders cover what the Go compiler emits for
 * package-level variables; anything else writing a tracked register ends the
 * tracking, so an unknown instruction can lose a reference but never invent
 * one. Invariants: every read stays inside code[0..n); loops are bounded by n.
 */
#include "go/xref.h"

#include <string.h>

#include "util/cursor.h"

/* ---- the register tracker (fixed-width instruction sets) ---- */

typedef enum iop {
    I_NONE = 0, /* writes no tracked general register */
    I_KILL,     /* writes rd with an unknown value */
    I_SET,      /* rd = v */
    I_ADD,      /* rd = rs + imm */
    I_ADD2,     /* rd = rs + rs2 */
    I_OR,       /* rd = rs | imm */
    I_MOVT,     /* rd = (rd & 0xffff) | imm << 16 (arm) */
    I_LIT,      /* rd = the word stored at address v (arm literal pool) */
    I_MEM,      /* load into rd / store from rd, at rs + imm, size bytes; wb: rs changes */
    I_ABS,      /* a load or store at absolute v (PC-relative forms), size bytes */
} iop;

typedef struct insn {
    iop op;
    int rd, rd2, rs, rs2; /* -1 when none; rd2: a load pair's second register; rs2: a second
                             base register (ppc64 indexed forms) */
    int64_t imm;
    uint64_t v;
    unsigned size;
    bool store;
    bool wb; /* writes back the base register */
} insn;

#define NREG 32
#define TRACK_MAX_AGE 64 /* instructions a materialised address stays live without use */

typedef struct treg {
    bool valid, used, pinned;
    uint64_t v;
    unsigned age;
} treg;

typedef struct tracker {
    treg r[NREG];
    uint64_t lo, hi, len_at, mask;
    unsigned hits;
} tracker;

static bool overlaps(uint64_t a, uint64_t n, uint64_t lo, uint64_t hi)
{
    return n && a < hi && lo < a + n && a + n > a;
}

static void access(tracker *t, uint64_t a, unsigned size, bool store)
{
    a &= t->mask;
    if (!overlaps(a, size, t->lo, t->hi))
        return;
    if (store) {
        t->hits |= LP_XREF_STORE;
    } else {
        t->hits |= LP_XREF_LOAD;
        if (overlaps(a, size, t->len_at, t->hi))
            t->hits |= LP_XREF_LOAD_LEN;
    }
}

static void drop(tracker *t, int r)
{
    if (r < 0 || r >= NREG || !t->r[r].valid || t->r[r].pinned)
        return;
    uint64_t v = t->r[r].v & t->mask;
    if (!t->r[r].used && v >= t->lo && v < t->hi)
        t->hits |= LP_XREF_ADDR;
    t->r[r].valid = false;
}

static void set(tracker *t, int r, uint64_t v)
{
    if (r < 0 || r >= NREG || t->r[r].pinned)
        return;
    drop(t, r);
    t->r[r] = (treg){.valid = true, .v = v & t->mask};
}

static void step(tracker *t, const insn *in, const uint8_t *code, size_t n, uint64_t pc0, bool be,
                 unsigned lit_size)
{
    for (int i = 0; i < NREG; i++)
        if (t->r[i].valid && !t->r[i].pinned && ++t->r[i].age > TRACK_MAX_AGE)
            drop(t, i);
    const treg *s = in->rs >= 0 && in->rs < NREG && t->r[in->rs].valid ? &t->r[in->rs] : NULL;
    switch (in->op) {
    case I_NONE:
        break;
    case I_KILL:
        drop(t, in->rd);
        break;
    case I_SET:
        set(t, in->rd, in->v);
        break;
    case I_ADD:
    case I_OR:
        if (s) {
            uint64_t v = in->op == I_ADD ? s->v + (uint64_t)in->imm : s->v | (uint64_t)in->imm;
            t->r[in->rs].used = true; /* its value flows into rd: judged there */
            set(t, in->rd, v);
        } else {
            drop(t, in->rd);
        }
        break;
    case I_ADD2: {
        const treg *s2 = in->rs2 >= 0 && in->rs2 < NREG && t->r[in->rs2].valid ? &t->r[in->rs2] : NULL;
        if (s && s2) {
            uint64_t v = s->v + s2->v;
            t->r[in->rs].used = true;
            t->r[in->rs2].used = true;
            set(t, in->rd, v);
        } else {
            drop(t, in->rd);
        }
        break;
    }
    case I_MOVT:
        if (in->rd >= 0 && t->r[in->rd].valid)
            set(t, in->rd, (t->r[in->rd].v & 0xFFFFu) | ((uint64_t)in->imm << 16));
        else
            drop(t, in->rd);
        break;
    case I_LIT:
        /* the pool word lies in this function, after its code */
        if (in->v >= pc0 && in->v - pc0 < n && n - (in->v - pc0) >= lit_size)
            set(t, in->rd, lp_load32(code + (in->v - pc0), be));
        else
            drop(t, in->rd);
        break;
    case I_MEM: {
        uint64_t base = 0;
        bool known = s != NULL;
        if (known)
            base = s->v;
        if (in->rs2 >= 0) {
            const treg *s2 = in->rs2 < NREG && t->r[in->rs2].valid ? &t->r[in->rs2] : NULL;
            known = known && s2;
            if (s2)
                base += s2->v, t->r[in->rs2].used = true;
        }
        if (known) {
            access(t, base + (uint64_t)in->imm, in->size, in->store);
            t->r[in->rs].used = true;
        }
        if (in->wb)
            drop(t, in->rs);
        if (!in->store) {
            drop(t, in->rd);
            drop(t, in->rd2);
        }
        break;
    }
    case I_ABS:
        access(t, in->v, in->size, in->store);
        if (!in->store)
            drop(t, in->rd);
        break;
    }
}

static int64_t sext(uint64_t v, unsigned bits)
{
    uint64_t m = 1ull << (bits - 1);
    v &= (bits == 64) ? ~0ull : (1ull << bits) - 1;
    return (int64_t)((v ^ m) - m);
}

/* ---- arm64 ---- */

static void dec_arm64(uint32_t w, uint64_t pc, insn *d)
{
    unsigned rd = w & 31, rn = (w >> 5) & 31;
    if ((w & 0x1F000000u) == 0x10000000u) { /* ADR / ADRP */
        int64_t imm = sext(((w >> 5) & 0x7FFFF) << 2 | ((w >> 29) & 3), 21);
        d->op = I_SET, d->rd = (int)rd;
        d->v = (w & 0x80000000u) ? (pc & ~0xFFFull) + (uint64_t)(imm * 4096) : pc + (uint64_t)imm;
        return;
    }
    if ((w & 0x7F800000u) == 0x11000000u || (w & 0x7F800000u) == 0x51000000u) { /* ADD/SUB imm */
        int64_t imm = (int64_t)(((w >> 10) & 0xFFF) << (((w >> 22) & 1) ? 12 : 0));
        if (w & 0x40000000u)
            imm = -imm;
        if (w & 0x20000000u) { /* ADDS/SUBS: flags; rd 31 is XZR */
            d->op = I_KILL, d->rd = (int)rd;
            return;
        }
        d->op = I_ADD, d->rd = (int)rd, d->rs = (int)rn, d->imm = imm;
        return;
    }
    if ((w & 0x3B000000u) == 0x39000000u) { /* LDR/STR unsigned offset */
        unsigned size = w >> 30, v = (w >> 26) & 1, opc = (w >> 22) & 3;
        unsigned scale = v ? (size | ((opc & 2u) << 1)) : size;
        if (!v && size == 3 && opc == 2) /* PRFM */
            return;
        d->op = I_MEM, d->rd = v ? -1 : (int)rd, d->rs = (int)rn;
        d->imm = (int64_t)(((w >> 10) & 0xFFF) << scale);
        d->size = 1u << scale;
        d->store = !(opc & 1);
        return;
    }
    if ((w & 0x3B200000u) == 0x38000000u) { /* LDUR/STUR, pre/post-index, LDTR */
        unsigned size = w >> 30, v = (w >> 26) & 1, opc = (w >> 22) & 3, mode = (w >> 10) & 3;
        unsigned scale = v ? (size | ((opc & 2u) << 1)) : size;
        if (!v && size == 3 && opc == 2)
            return;
        d->op = I_MEM, d->rd = v ? -1 : (int)rd, d->rs = (int)rn;
        d->imm = mode == 1 ? 0 : sext((w >> 12) & 0x1FF, 9);
        d->wb = mode == 1 || mode == 3;
        d->size = 1u << scale;
        d->store = !(opc & 1);
        return;
    }
    if ((w & 0x3A000000u) == 0x28000000u) { /* LDP/STP (and LDNP/STNP) */
        unsigned opc = w >> 30, v = (w >> 26) & 1, l = (w >> 22) & 1, idx = (w >> 23) & 3;
        unsigned scale = v ? 2 + opc : (opc & 2) ? 3 : 2;
        d->op = I_MEM, d->rd = v ? -1 : (int)rd, d->rs = (int)rn;
        d->imm = idx == 1 ? 0 : sext((w >> 15) & 0x7F, 7) * (1 << scale);
        d->wb = idx == 1 || idx == 3;
        d->size = 2u << scale;
        d->store = !l;
        if (l && !v)
            d->rd2 = (int)((w >> 10) & 31);
        return;
    }
    unsigned op0 = (w >> 25) & 0xF;
    if ((op0 & 0xE) == 0xA) { /* branches, system: BL writes X30 */
        if ((w & 0xFC000000u) == 0x94000000u || (w & 0xFFFFFC1Fu) == 0xD63F0000u)
            d->op = I_KILL, d->rd = 30;
        return;
    }
    if ((op0 & 0x5) == 0x4) { /* other loads and stores: a load writes rt */
        bool load = (w >> 22) & 1;
        if (load)
            d->op = I_KILL, d->rd = (int)rd;
        return;
    }
    if ((op0 & 0x7) == 0x7) /* SIMD and floating point: vector registers */
        return;
    /* data processing: rd in bits 4:0 */
    d->op = I_KILL, d->rd = (int)rd;
}

/* ---- arm (32-bit) ---- */

static void dec_arm(uint32_t w, uint64_t pc, insn *d)
{
    if (w >> 28 == 0xF) /* unconditional space: no data-processing writes we track */
        return;
    unsigned rd = (w >> 12) & 15, rn = (w >> 16) & 15;
    bool u = (w >> 23) & 1;
    if ((w & 0x0F7F0000u) == 0x051F0000u) { /* LDR rd, [pc, #+-imm12] */
        uint64_t off = w & 0xFFF;
        d->op = I_LIT, d->rd = (int)rd;
        d->v = u ? pc + 8 + off : pc + 8 - off;
        return;
    }
    if ((w & 0x0FF00000u) == 0x03000000u) { /* MOVW rd, #imm16 */
        d->op = I_SET, d->rd = (int)rd, d->v = ((w >> 4) & 0xF000u) | (w & 0xFFFu);
        return;
    }
    if ((w & 0x0FF00000u) == 0x03400000u) { /* MOVT */
        d->op = I_MOVT, d->rd = (int)rd, d->imm = (int64_t)(((w >> 4) & 0xF000u) | (w & 0xFFFu));
        return;
    }
    if ((w & 0x0FE00000u) == 0x02800000u || (w & 0x0FE00000u) == 0x02400000u) { /* ADD/SUB imm */
        unsigned rot = ((w >> 8) & 0xF) * 2, imm8 = w & 0xFF;
        uint32_t imm = rot ? (imm8 >> rot) | (imm8 << (32 - rot)) : imm8;
        int64_t s = (w & 0x00800000u) ? (int64_t)imm : -(int64_t)imm;
        if (rn == 15) {
            d->op = I_SET, d->rd = (int)rd, d->v = pc + 8 + (uint64_t)s;
            return;
        }
        d->op = I_ADD, d->rd = (int)rd, d->rs = (int)rn, d->imm = s;
        return;
    }
    if ((w & 0x0E000000u) == 0x04000000u) { /* LDR/STR(B) immediate */
        bool p = (w >> 24) & 1, b = (w >> 22) & 1, wbit = (w >> 21) & 1, l = (w >> 20) & 1;
        int64_t off = (int64_t)(w & 0xFFF);
        d->op = I_MEM, d->rd = (int)rd, d->rs = (int)rn;
        d->imm = p ? (u ? off : -off) : 0;
        d->wb = !p || wbit;
        d->size = b ? 1 : 4;
        d->store = !l;
        return;
    }
    if ((w & 0x0E400090u) == 0x00400090u && (w & 0x60u)) { /* LDRH/STRH/LDRD/STRD/LDRS* imm */
        bool p = (w >> 24) & 1, wbit = (w >> 21) & 1, l = (w >> 20) & 1;
        unsigned op2 = (w >> 5) & 3;
        int64_t off = (int64_t)(((w >> 4) & 0xF0u) | (w & 0xFu));
        d->op = I_MEM, d->rs = (int)rn;
        d->imm = p ? (u ? off : -off) : 0;
        d->wb = !p || wbit;
        if (!l) { /* 1 STRH, 2 LDRD, 3 STRD */
            d->store = op2 != 2;
            d->size = op2 == 1 ? 2 : 8;
        } else { /* 1 LDRH, 2 LDRSB, 3 LDRSH */
            d->size = op2 == 2 ? 1 : 2;
        }
        d->rd = d->store ? -1 : (int)rd;
        if (!l && op2 == 2)
            d->rd2 = (int)rd + 1;
        return;
    }
    if ((w & 0x0E000000u) == 0x08000000u) { /* LDM/STM */
        bool p = (w >> 24) & 1, l = (w >> 20) & 1;
        unsigned cnt = (unsigned)__builtin_popcount(w & 0xFFFFu);
        d->op = I_MEM, d->rd = l ? (int)(31 - __builtin_clz((w & 0xFFFFu) | 1u)) : -1, d->rs = (int)rn;
        d->imm = u ? (p ? 4 : 0) : -(int64_t)(4 * cnt) + (p ? 0 : 4);
        d->wb = (w >> 21) & 1;
        d->size = 4 * cnt;
        d->store = !l;
        return;
    }
    if ((w & 0x0F200E00u) == 0x0D000A00u) { /* VLDR/VSTR */
        int64_t off = (int64_t)(w & 0xFF) * 4;
        d->op = I_MEM, d->rd = -1, d->rs = (int)rn;
        d->imm = u ? off : -off;
        d->size = (w & 0x100u) ? 8 : 4;
        d->store = !((w >> 20) & 1);
        return;
    }
    if ((w & 0x0F000000u) == 0x0B000000u) { /* BL writes LR */
        d->op = I_KILL, d->rd = 14;
        return;
    }
    if ((w & 0x0C000000u) == 0x00000000u) { /* data processing and multiplies */
        unsigned opcode = (w >> 21) & 15;
        bool s_bit = (w >> 20) & 1;
        if ((w & 0x0F0000F0u) != 0x00000090u && opcode >= 8 && opcode <= 11 && s_bit)
            return; /* TST, TEQ, CMP, CMN: flags only */
        d->op = I_KILL;
        d->rd = (w & 0x0F0000F0u) == 0x00000090u ? (int)rn : (int)rd;
    }
}

/* ---- riscv64 ---- */

static void dec_riscv64(uint32_t w, uint64_t pc, insn *d)
{
    unsigned opc = w & 0x7F, rd = (w >> 7) & 31, rs1 = (w >> 15) & 31, f3 = (w >> 12) & 7;
    switch (opc) {
    case 0x17: /* AUIPC */
        d->op = I_SET, d->rd = (int)rd, d->v = pc + (uint64_t)sext(w & 0xFFFFF000u, 32);
        return;
    case 0x37: /* LUI */
        d->op = I_SET, d->rd = (int)rd, d->v = (uint64_t)sext(w & 0xFFFFF000u, 32);
        return;
    case 0x13: /* OP-IMM */
        if (f3 == 0)
            d->op = I_ADD, d->rd = (int)rd, d->rs = (int)rs1, d->imm = sext(w >> 20, 12);
        else if (f3 == 6)
            d->op = I_OR, d->rd = (int)rd, d->rs = (int)rs1, d->imm = sext(w >> 20, 12);
        else
            d->op = I_KILL, d->rd = (int)rd;
        return;
    case 0x03: /* LOAD */
    case 0x07: /* LOAD-FP */
        d->op = I_MEM, d->rd = opc == 0x03 ? (int)rd : -1, d->rs = (int)rs1;
        d->imm = sext(w >> 20, 12);
        d->size = opc == 0x03 ? 1u << (f3 & 3) : f3 == 2 ? 4 : f3 == 4 ? 16 : 8;
        return;
    case 0x23: /* STORE */
    case 0x27: /* STORE-FP */
        d->op = I_MEM, d->rd = -1, d->rs = (int)rs1, d->store = true;
        d->imm = sext(((w >> 25) << 5) | ((w >> 7) & 31), 12);
        d->size = opc == 0x23 ? 1u << (f3 & 3) : f3 == 2 ? 4 : f3 == 4 ? 16 : 8;
        return;
    case 0x63: /* branches */
        return;
    default: /* JAL, JALR, OP, OP-32, AMOs, system: rd in bits 11:7 */
        d->op = I_KILL, d->rd = (int)rd;
        return;
    }
}

/* ---- mips, mipsle, mips64, mips64le ---- */

static void dec_mips(uint32_t w, uint64_t pc, insn *d)
{
    (void)pc;
    unsigned op = w >> 26, rs = (w >> 21) & 31, rt = (w >> 16) & 31, rdr = (w >> 11) & 31;
    int64_t imm = sext(w & 0xFFFF, 16);
    static const struct {
        uint8_t op, size;
        bool store, fp;
    } mem[] = {
        {32, 1, false, false}, {33, 2, false, false}, {35, 4, false, false}, {36, 1, false, false},
        {37, 2, false, false}, {39, 4, false, false}, {55, 8, false, false}, {34, 4, false, false},
        {38, 4, false, false}, {26, 8, false, false}, {27, 8, false, false}, {49, 4, false, true},
        {53, 8, false, true},  {40, 1, true, false},  {41, 2, true, false},  {43, 4, true, false},
        {63, 8, true, false},  {42, 4, true, false},  {46, 4, true, false},  {44, 8, true, false},
        {45, 8, true, false},  {57, 4, true, true},   {61, 8, true, true},
    };
    for (size_t i = 0; i < sizeof mem / sizeof mem[0]; i++)
        if (mem[i].op == op) {
            d->op = I_MEM, d->rs = (int)rs, d->imm = imm, d->size = mem[i].size;
            d->store = mem[i].store;
            d->rd = mem[i].store || mem[i].fp ? -1 : (int)rt;
            return;
        }
    switch (op) {
    case 15: /* LUI */
        d->op = I_SET, d->rd = (int)rt, d->v = (uint64_t)sext((uint64_t)(w & 0xFFFF) << 16, 32);
        return;
    case 8: case 9: case 24: case 25: /* ADDI, ADDIU, DADDI, DADDIU */
        d->op = I_ADD, d->rd = (int)rt, d->rs = (int)rs, d->imm = imm;
        return;
    case 13: /* ORI */
        d->op = I_OR, d->rd = (int)rt, d->rs = (int)rs, d->imm = (int64_t)(w & 0xFFFF);
        return;
    case 0: /* SPECIAL: ADDU/DADDU rd = rs + rt (Go adds the static base R28, which is 0); else rd */
        if ((w & 0x3F) == 0x21 || (w & 0x3F) == 0x2D)
            d->op = I_ADD2, d->rd = (int)rdr, d->rs = (int)rs, d->rs2 = (int)rt;
        else
            d->op = I_KILL, d->rd = (int)rdr;
        return;
    case 3: /* JAL */
        d->op = I_KILL, d->rd = 31;
        return;
    case 17: /* COP1: MFC1, DMFC1, CFC1, MFHC1 write a general register */
        if (rs <= 3)
            d->op = I_KILL, d->rd = (int)rt;
        return;
    case 10: case 11: case 12: case 14: case 28: case 31: /* SLTI.., ANDI, XORI, SPECIAL2/3 */
        d->op = I_KILL, d->rd = op == 28 || op == 31 ? (int)rdr : (int)rt;
        return;
    default: /* branches, coprocessor moves */
        return;
    }
}

/* ---- loong64 ---- */

static void dec_loong64(uint32_t w, uint64_t pc, insn *d)
{
    unsigned rd = w & 31, rj = (w >> 5) & 31, op7 = w >> 25, op10 = w >> 22, op6 = w >> 26;
    int64_t si20 = sext((w >> 5) & 0xFFFFF, 20), si12 = sext((w >> 10) & 0xFFF, 12);
    if (op7 == 0x0D) { /* PCALAU12I */
        d->op = I_SET, d->rd = (int)rd, d->v = (pc & ~0xFFFull) + (uint64_t)(si20 * 4096);
        return;
    }
    if (op7 == 0x0E) { /* PCADDU12I */
        d->op = I_SET, d->rd = (int)rd, d->v = pc + (uint64_t)(si20 * 4096);
        return;
    }
    if (op7 == 0x0A) { /* LU12I.W */
        d->op = I_SET, d->rd = (int)rd, d->v = (uint64_t)sext((uint64_t)si20 << 12, 32);
        return;
    }
    if (op10 == 0x00A || op10 == 0x00B) { /* ADDI.W, ADDI.D */
        d->op = I_ADD, d->rd = (int)rd, d->rs = (int)rj, d->imm = si12;
        return;
    }
    if (op10 == 0x00E) { /* ORI */
        d->op = I_OR, d->rd = (int)rd, d->rs = (int)rj, d->imm = (int64_t)((w >> 10) & 0xFFF);
        return;
    }
    if (op10 >= 0x0A0 && op10 <= 0x0AF && op10 != 0x0AB) { /* LD/ST B H W D, LD.xU, FLD/FST */
        static const uint8_t size[16] = {1, 2, 4, 8, 1, 2, 4, 8, 1, 2, 4, 0, 4, 4, 8, 8};
        static const bool store[16] = {0, 0, 0, 0, 1, 1, 1, 1, 0, 0, 0, 0, 0, 1, 0, 1};
        unsigned k = op10 - 0x0A0;
        bool fp = k >= 12;
        d->op = I_MEM, d->rs = (int)rj, d->imm = si12, d->size = size[k], d->store = store[k];
        d->rd = store[k] || fp ? -1 : (int)rd;
        return;
    }
    if (op6 >= 0x10 && op6 <= 0x1B) { /* branches; BL writes r1, JIRL writes rd */
        if (op6 == 0x15)
            d->op = I_KILL, d->rd = 1;
        else if (op6 == 0x13)
            d->op = I_KILL, d->rd = (int)rd;
        return;
    }
    d->op = I_KILL, d->rd = (int)rd;
}

/* ---- ppc64, ppc64le ---- */

static void dec_ppc64(uint32_t w, uint64_t pc, insn *d)
{
    (void)pc;
    unsigned op = w >> 26, rt = (w >> 21) & 31, ra = (w >> 16) & 31, rb = (w >> 11) & 31;
    int64_t imm = sext(w & 0xFFFF, 16);
    static const struct {
        uint8_t op, size;
        bool store, upd, fp;
    } dform[] = {
        {32, 4, false, false, false}, {33, 4, false, true, false}, {34, 1, false, false, false},
        {35, 1, false, true, false},  {40, 2, false, false, false}, {41, 2, false, true, false},
        {42, 2, false, false, false}, {43, 2, false, true, false},  {48, 4, false, false, true},
        {49, 4, false, true, true},   {50, 8, false, false, true},  {51, 8, false, true, true},
        {36, 4, true, false, false},  {37, 4, true, true, false},   {38, 1, true, false, false},
        {39, 1, true, true, false},   {44, 2, true, false, false},  {45, 2, true, true, false},
        {52, 4, true, false, true},   {53, 4, true, true, true},    {54, 8, true, false, true},
        {55, 8, true, true, true},
    };
    for (size_t i = 0; i < sizeof dform / sizeof dform[0]; i++)
        if (dform[i].op == op) {
            if (ra == 0) { /* absolute low addresses: not a global in a Go binary */
                if (!dform[i].store && !dform[i].fp)
                    d->op = I_KILL, d->rd = (int)rt;
                return;
            }
            d->op = I_MEM, d->rs = (int)ra, d->imm = imm, d->size = dform[i].size;
            d->store = dform[i].store, d->wb = dform[i].upd;
            d->rd = dform[i].store || dform[i].fp ? -1 : (int)rt;
            return;
        }
    switch (op) {
    case 15: /* ADDIS */
    case 14: /* ADDI */ {
        int64_t v = op == 15 ? imm * 65536 : imm;
        if (ra == 0)
            d->op = I_SET, d->rd = (int)rt, d->v = (uint64_t)v;
        else
            d->op = I_ADD, d->rd = (int)rt, d->rs = (int)ra, d->imm = v;
        return;
    }
    case 24: /* ORI ra = rs | uimm */
        d->op = I_OR, d->rd = (int)ra, d->rs = (int)rt, d->imm = (int64_t)(w & 0xFFFF);
        return;
    case 58: /* LD, LDU, LWA */
    case 62: /* STD, STDU */ {
        unsigned xo = w & 3;
        bool store = op == 62;
        if (ra == 0 || xo == 3) {
            if (!store)
                d->op = I_KILL, d->rd = (int)rt;
            return;
        }
        d->op = I_MEM, d->rs = (int)ra, d->imm = sext(w & 0xFFFC, 16);
        d->size = !store && xo == 2 ? 4 : store && xo == 2 ? 16 : 8;
        d->store = store, d->wb = xo == 1, d->rd = store ? -1 : (int)rt;
        return;
    }
    case 31: { /* X-form: indexed loads and stores, register arithmetic */
        unsigned xo = (w >> 1) & 0x3FF;
        static const struct {
            uint16_t xo;
            uint8_t size;
            bool store, vsx;
        } xform[] = {
            {21, 8, false, false},  {23, 4, false, false},  {87, 1, false, false},
            {279, 2, false, false}, {341, 4, false, false}, {844, 16, false, true},
            {780, 16, false, true}, {268, 16, false, true}, {149, 8, true, false},
            {151, 4, true, false},  {215, 1, true, false},  {407, 2, true, false},
            {972, 16, true, true},  {908, 16, true, true},  {396, 16, true, true},
        };
        for (size_t i = 0; i < sizeof xform / sizeof xform[0]; i++)
            if (xform[i].xo == xo) {
                d->op = I_MEM, d->rs = ra ? (int)ra : (int)rb, d->rs2 = ra ? (int)rb : -1;
                d->size = xform[i].size, d->store = xform[i].store;
                d->rd = xform[i].store || xform[i].vsx ? -1 : (int)rt;
                return;
            }
        if (xo == 0 || xo == 32) /* cmp, cmpl: condition register only */
            return;
        /* logical ops (and, or, xor, nor, shifts, extends) write ra; arithmetic writes rt */
        bool logical = xo == 28 || xo == 60 || xo == 124 || xo == 284 || xo == 316 ||
                       xo == 412 || xo == 444 || xo == 476 || xo == 24 || xo == 27 ||
                       xo == 536 || xo == 539 || xo == 792 || xo == 794 || xo == 824 ||
                       xo == 826 || xo == 413 || xo == 922 || xo == 954 || xo == 986 ||
                       xo == 26 || xo == 58;
        d->op = I_KILL, d->rd = logical ? (int)ra : (int)rt;
        return;
    }
    case 10: case 11: case 16: case 17: case 18: case 19: /* compares, branches, sc */
        return;
    case 20: case 21: case 23: case 26: case 27: case 28: case 29: case 30: /* rotates, logical imm */
        d->op = I_KILL, d->rd = (int)ra;
        return;
    default:
        d->op = I_KILL, d->rd = (int)rt;
        return;
    }
}

/* ---- s390x (variable length: 2, 4 or 6 bytes) ---- */

/* Decode one instruction at c[0..left); returns its length, 0 when it does not fit. */
static size_t dec_s390x(const uint8_t *c, size_t left, uint64_t pc, insn *d)
{
    unsigned op = c[0];
    size_t len = op < 0x40 ? 2 : op < 0xC0 ? 4 : 6;
    if (len > left)
        return 0;
    unsigned r1 = c[1] >> 4, low = c[1] & 15;
    if (op == 0xC0 && low == 0) { /* LARL */
        d->op = I_SET, d->rd = (int)r1;
        d->v = pc + (uint64_t)(sext(lp_load32(c + 2, true), 32) * 2);
        return len;
    }
    if (op == 0xC4 || op == 0xC6) { /* RIL-b: load/store/compare relative long */
        uint64_t a = pc + (uint64_t)(sext(lp_load32(c + 2, true), 32) * 2);
        static const struct {
            uint8_t op, low, size;
            bool store;
        } ril[] = {
            {0xC4, 0x8, 8, false}, {0xC4, 0xB, 8, true},  {0xC4, 0xC, 4, false},
            {0xC4, 0xD, 4, false}, {0xC4, 0xE, 4, false}, {0xC4, 0xF, 4, true},
            {0xC4, 0x2, 2, false}, {0xC4, 0x4, 2, false}, {0xC4, 0x5, 2, false},
            {0xC4, 0x6, 2, false}, {0xC4, 0x7, 2, true},  {0xC6, 0x4, 2, false},
            {0xC6, 0x5, 2, false}, {0xC6, 0x6, 2, false}, {0xC6, 0x7, 2, false},
            {0xC6, 0x8, 8, false}, {0xC6, 0xA, 8, false}, {0xC6, 0xC, 4, false},
            {0xC6, 0xD, 4, false}, {0xC6, 0xE, 4, false}, {0xC6, 0xF, 4, false},
        };
        for (size_t i = 0; i < sizeof ril / sizeof ril[0]; i++)
            if (ril[i].op == op && ril[i].low == low) {
                d->op = I_ABS, d->v = a, d->size = ril[i].size, d->store = ril[i].store;
                d->rd = ril[i].store || op == 0xC6 ? -1 : (int)r1;
                return len;
            }
        return len;
    }
    if (op == 0xE3 || op == 0xEB || op == 0xED) { /* RXY / RSY: base B2, 20-bit displacement */
        unsigned b2 = c[2] >> 4, x2 = low, sub = c[5];
        int64_t disp = sext(((uint64_t)c[4] << 12) | ((uint64_t)(c[2] & 15) << 8) | c[3], 20);
        if (op == 0xE3) {
            static const struct {
                uint8_t sub, size;
                bool store;
            } rxy[] = {
                {0x04, 8, false}, {0x24, 8, true},  {0x02, 8, false}, {0x14, 4, false},
                {0x16, 4, false}, {0x58, 4, false}, {0x50, 4, true},  {0x72, 1, true},
                {0x71, 8, false}, {0x90, 1, false}, {0x91, 2, false}, {0x12, 4, false},
                {0x70, 2, true},  {0x73, 1, false}, {0x20, 8, false}, {0x21, 8, false},
                {0x30, 8, false}, {0x31, 8, false}, {0x3E, 8, true},  {0x3F, 2, true},
            };
            for (size_t i = 0; i < sizeof rxy / sizeof rxy[0]; i++)
                if (rxy[i].sub == sub) {
                    if (x2) { /* indexed: not how Go addresses a global */
                        if (!rxy[i].store)
                            d->op = I_KILL, d->rd = (int)r1;
                        return len;
                    }
                    d->op = I_MEM, d->rs = (int)b2, d->imm = disp, d->size = rxy[i].size;
                    d->store = rxy[i].store, d->rd = rxy[i].store ? -1 : (int)r1;
                    return len;
                }
            d->op = I_KILL, d->rd = (int)r1;
            return len;
        }
        if (op == 0xEB && (sub == 0x24 || sub == 0x04)) { /* STMG / LMG r1..r3 */
            unsigned r3 = low, cnt = (r3 >= r1 ? r3 - r1 : r3 + 16 - r1) + 1;
            d->op = I_MEM, d->rs = (int)b2, d->imm = disp, d->size = 8 * cnt;
            d->store = sub == 0x24, d->rd = sub == 0x04 ? (int)r3 : -1;
            return len;
        }
        if (op == 0xEB)
            d->op = I_KILL, d->rd = (int)r1;
        return len;
    }
    if (op == 0xE5) { /* SIL: storage-immediate moves and compares */
        unsigned b1 = c[2] >> 4, sub = c[1];
        int64_t disp = (int64_t)(((c[2] & 15u) << 8) | c[3]);
        static const struct {
            uint8_t sub, size;
            bool store;
        } sil[] = {
            {0x48, 8, true}, {0x4C, 4, true}, {0x44, 2, true}, {0x58, 8, false},
            {0x5C, 4, false}, {0x54, 2, false}, {0x59, 8, false}, {0x5D, 4, false},
        };
        for (size_t i = 0; i < sizeof sil / sizeof sil[0]; i++)
            if (sil[i].sub == sub) {
                d->op = I_MEM, d->rs = (int)b1, d->imm = disp, d->size = sil[i].size;
                d->store = sil[i].store, d->rd = -1;
                return len;
            }
        return len;
    }
    if (op == 0x50 || op == 0x58 || op == 0x42 || op == 0x43 || op == 0x40 || op == 0x48 ||
        op == 0x59 || op == 0x55) { /* RX: ST, L, STC, IC, STH, LH, C, CL */
        unsigned b2 = c[2] >> 4;
        bool store = op == 0x50 || op == 0x42 || op == 0x40;
        if (low) {
            if (!store && op != 0x59 && op != 0x55)
                d->op = I_KILL, d->rd = (int)r1;
            return len;
        }
        d->op = I_MEM, d->rs = (int)b2, d->imm = (int64_t)(((c[2] & 15u) << 8) | c[3]);
        d->size = op == 0x42 || op == 0x43 ? 1 : op == 0x40 || op == 0x48 ? 2 : 4;
        d->store = store, d->rd = store || op == 0x59 || op == 0x55 ? -1 : (int)r1;
        return len;
    }
    if (op == 0xD2 || op == 0xD5) { /* MVC / CLC: SS, length L+1 */
        unsigned l = c[1] + 1u, b1 = c[2] >> 4, b2 = c[4] >> 4;
        d->op = I_MEM, d->rs = (int)b1, d->imm = (int64_t)(((c[2] & 15u) << 8) | c[3]);
        d->size = l, d->store = op == 0xD2, d->rd = -1;
        /* the source operand: recorded through a second pass by the caller */
        d->rs2 = -1;
        d->v = ((uint64_t)b2 << 32) | (((c[4] & 15u) << 8) | c[5]);
        return len;
    }
    if (op == 0xC0 && (low == 5 || low == 4)) { /* BRASL writes r1; BRCL none */
        if (low == 5)
            d->op = I_KILL, d->rd = (int)r1;
        return len;
    }
    if (op == 0xA7 && (low == 4 || low == 5 || low == 6 || low == 7 || low == 14 || low == 15 ||
                       low == 0 || low == 1))
        return len; /* BRC, BRAS(r1), BRCT, compares, TM: no tracked write (BRAS rare) */
    if (op == 0x07 || op == 0x47 || op == 0xEC || op == 0xB9 || op == 0xC2 || op == 0xA7 ||
        op == 0xE7 || op == 0xB3 || op == 0x18 || op == 0xC0 || op == 0x41 || op == 0xE6 ||
        op == 0xC8 || op == 0xCC) {
        /* register-form ops write r1 (compare-and-branch ones do not, but forgetting is safe) */
        if (op == 0x07 || op == 0x47)
            return len;
        d->op = I_KILL, d->rd = (int)r1;
        return len;
    }
    d->op = I_KILL, d->rd = (int)r1;
    return len;
}

/* ---- x86: direct addressing, classified by opcode ---- */

enum { K_LOAD = 1, K_STORE = 2, K_ADDR = 4 };

/* Kind and immediate size of a one-byte opcode with ModRM reg field r (66h prefix: p16). */
static unsigned x86_kind1(unsigned op, unsigned r, bool p16, unsigned *imm)
{
    *imm = 0;
    switch (op) {
    case 0x88: case 0x89: case 0x87: return K_STORE;
    case 0x8A: case 0x8B: case 0x63: return K_LOAD;
    case 0x8D: return K_ADDR;
    case 0xC6: *imm = 1; return r == 0 ? K_STORE : K_ADDR;
    case 0xC7: *imm = p16 ? 2 : 4; return r == 0 ? K_STORE : K_ADDR;
    case 0x80: case 0x83: *imm = 1; return r == 7 ? K_LOAD : K_STORE;
    case 0x81: *imm = p16 ? 2 : 4; return r == 7 ? K_LOAD : K_STORE;
    case 0x84: case 0x85: case 0x38: case 0x39: case 0x3A: case 0x3B: return K_LOAD;
    case 0x02: case 0x03: case 0x0A: case 0x0B: case 0x12: case 0x13: case 0x1A: case 0x1B:
    case 0x22: case 0x23: case 0x2A: case 0x2B: case 0x32: case 0x33: return K_LOAD;
    case 0x00: case 0x01: case 0x08: case 0x09: case 0x10: case 0x11: case 0x18: case 0x19:
    case 0x20: case 0x21: case 0x28: case 0x29: case 0x30: case 0x31: return K_STORE;
    case 0xF6: *imm = r <= 1 ? 1 : 0; return r <= 1 ? K_LOAD : r == 2 || r == 3 ? K_STORE : K_LOAD;
    case 0xF7: *imm = r <= 1 ? (p16 ? 2 : 4) : 0; return r <= 1 ? K_LOAD : r == 2 || r == 3 ? K_STORE : K_LOAD;
    case 0xFE: case 0xFF: return r <= 1 ? K_STORE : K_LOAD;
    case 0xD0: case 0xD1: case 0xD2: case 0xD3: return K_STORE;
    case 0xC0: case 0xC1: *imm = 1; return K_STORE;
    default: return K_ADDR;
    }
}

/* Kind and immediate size of a two-byte opcode 0F op. */
static unsigned x86_kind2(unsigned op, unsigned *imm)
{
    *imm = 0;
    switch (op) {
    case 0x10: case 0x12: case 0x16: case 0x28: case 0x2E: case 0x2F: case 0x6E: case 0x6F:
    case 0x7E: case 0xB6: case 0xB7: case 0xBE: case 0xBF: case 0x51: case 0x54: case 0x57:
    case 0x58: case 0x59: case 0x5C: case 0x5E: case 0x2A: case 0x2C: case 0x2D: case 0xEF:
        return K_LOAD;
    case 0x11: case 0x13: case 0x17: case 0x29: case 0x2B: case 0x7F: case 0xD6: case 0xE7:
    case 0xB0: case 0xB1: case 0xC0: case 0xC1: case 0xAB: case 0xB3: case 0xBB:
        return K_STORE;
    case 0x1F: case 0x18: case 0x0D: return 0; /* NOP, prefetch */
    case 0xBA: *imm = 1; return K_STORE;
    default: return K_ADDR;
    }
}

static unsigned x86_scan(const uint8_t *code, size_t n, uint64_t pc, bool rip, tracker *t)
{
    unsigned ps = rip ? 8 : 4;
    for (size_t i = 2; i + 4 <= n; i++) {
        unsigned m = code[i - 1];
        if ((m & 0xC7) != 0x05) /* mod 00, r/m 101: disp32 (RIP-relative on amd64) */
            continue;
        unsigned r = (m >> 3) & 7, imm = 0, kind, size = ps;
        size_t at = i - 2; /* the opcode byte */
        bool two = at >= 1 && code[at - 1] == 0x0F;
        size_t pfx = two ? at - 1 : at; /* first byte of the opcode */
        if (rip && pfx >= 1 && (code[pfx - 1] & 0xF0) == 0x40)
            pfx--; /* REX */
        bool p16 = pfx >= 1 && code[pfx - 1] == 0x66;
        if (two) {
            kind = x86_kind2(code[at], &imm);
            unsigned o = code[at];
            if (o == 0x10 || o == 0x11 || o == 0x28 || o == 0x29 || o == 0x6F || o == 0x7F ||
                o == 0x2B || o == 0xE7)
                size = 16;
        } else {
            kind = x86_kind1(code[at], r, p16, &imm);
        }
        if (!kind)
            continue;
        int64_t disp = sext(lp_load32(code + i, false), 32);
        uint64_t a = rip ? pc + i + 4 + imm + (uint64_t)disp : (uint64_t)(uint32_t)disp;
        if (a < t->lo || a >= t->hi)
            continue;
        if (kind == K_ADDR)
            t->hits |= LP_XREF_ADDR;
        else
            access(t, a, size, kind == K_STORE);
    }
    /* 386 also has moffs32 forms: A0/A1 load, A2/A3 store */
    for (size_t i = 0; !rip && i + 5 <= n; i++) {
        if (code[i] < 0xA0 || code[i] > 0xA3)
            continue;
        uint64_t a = lp_load32(code + i + 1, false);
        if (a >= t->lo && a < t->hi)
            access(t, a, code[i] & 1 ? 4 : 1, code[i] >= 0xA2);
    }
    return t->hits;
}

/* ---- the table ---- */

typedef void (*dec_fixed)(uint32_t w, uint64_t pc, insn *d);

struct lp_xref_arch {
    const char *goarch;
    enum { X_X86_64, X_X86_32, X_FIXED, X_S390X } kind;
    dec_fixed dec;
    bool wide;       /* 64-bit addresses */
    int entry_reg;   /* register that holds the function's own address at entry (ppc64 ELFv2 r12) */
    int zero_reg;    /* register that always holds 0 (hard-wired, or ppc64 r0 in Go code); -1: none */
    int zero_reg2;   /* a second one: the static base R28 of Go's mips code; -1: none */
};

static const lp_xref_arch arches[] = {
    {"amd64", X_X86_64, NULL, true, -1, -1, -1},
    {"386", X_X86_32, NULL, false, -1, -1, -1},
    {"arm64", X_FIXED, dec_arm64, true, -1, -1, -1},
    {"arm", X_FIXED, dec_arm, false, -1, -1, -1},
    {"riscv64", X_FIXED, dec_riscv64, true, -1, 0, -1},
    {"mips", X_FIXED, dec_mips, false, -1, 0, 28},
    {"mipsle", X_FIXED, dec_mips, false, -1, 0, 28},
    {"mips64", X_FIXED, dec_mips, true, -1, 0, 28},
    {"mips64le", X_FIXED, dec_mips, true, -1, 0, 28},
    {"loong64", X_FIXED, dec_loong64, true, -1, 0, -1},
    {"ppc64", X_FIXED, dec_ppc64, true, 12, 0, -1},
    {"ppc64le", X_FIXED, dec_ppc64, true, 12, 0, -1},
    {"s390x", X_S390X, NULL, true, -1, -1, -1},
};

const lp_xref_arch *lp_xref_arch_for(const char *goarch)
{
    for (size_t i = 0; goarch && i < sizeof arches / sizeof arches[0]; i++)
        if (strcmp(arches[i].goarch, goarch) == 0)
            return &arches[i];
    return NULL;
}

const char *lp_xref_arch_list(void)
{
    return "amd64, 386, arm64, arm, riscv64, mips, mipsle, mips64, mips64le, loong64, ppc64, "
           "ppc64le, s390x";
}

unsigned lp_xref_scan(const lp_xref_arch *a, bool be, const uint8_t *code, size_t n, uint64_t pc,
                      uint64_t lo, uint64_t hi, uint64_t len_at)
{
    tracker t;
    memset(&t, 0, sizeof t);
    t.lo = lo, t.hi = hi, t.len_at = len_at;
    t.mask = a->wide ? ~0ull : 0xFFFFFFFFull;
    if (a->kind == X_X86_64 || a->kind == X_X86_32)
        return x86_scan(code, n, pc, a->kind == X_X86_64, &t);
    if (a->zero_reg >= 0)
        t.r[a->zero_reg] = (treg){.valid = true, .pinned = true, .v = 0, .used = true};
    if (a->zero_reg2 >= 0)
        t.r[a->zero_reg2] = (treg){.valid = true, .pinned = true, .v = 0, .used = true};
    if (a->kind == X_S390X) {
        for (size_t i = 0; i + 2 <= n;) {
            insn d = {.rd = -1, .rd2 = -1, .rs = -1, .rs2 = -1};
            size_t len = dec_s390x(code + i, n - i, pc + i, &d);
            if (!len)
                break;
            if (d.op == I_MEM && (code[i] == 0xD2 || code[i] == 0xD5)) {
                /* SS: the second operand is read */
                int b2 = (int)(d.v >> 32);
                if (b2 < NREG && t.r[b2].valid && b2 != 0) {
                    access(&t, t.r[b2].v + (d.v & 0xFFF), d.size, false);
                    t.r[b2].used = true;
                }
            }
            if (d.op == I_MEM && d.rs == 0) /* base register 0 means no base */
                d.op = I_NONE;
            step(&t, &d, code, n, pc, true, 8);
            i += len;
        }
    } else {
        size_t i = 0;
        /* ppc64 ELFv2 global entry: addis r2,r12,hi; addi r2,r2,lo sets the TOC pointer, which
           stays valid for the whole function (reloads of r2 restore the same value) */
        if (a->entry_reg >= 0 && n >= 8) {
            uint32_t w0 = lp_load32(code, be), w1 = lp_load32(code + 4, be);
            if ((w0 & 0xFFFF0000u) == 0x3C4C0000u && (w1 & 0xFFFF0000u) == 0x38420000u) {
                uint64_t toc = pc + (uint64_t)(sext(w0 & 0xFFFF, 16) * 65536) +
                               (uint64_t)sext(w1 & 0xFFFF, 16);
                t.r[2] = (treg){.valid = true, .pinned = true, .used = true, .v = toc};
                i = 8;
            }
        }
        for (; i + 4 <= n; i += 4) {
            insn d = {.rd = -1, .rd2 = -1, .rs = -1, .rs2 = -1};
            a->dec(lp_load32(code + i, be), pc + i, &d);
            step(&t, &d, code, n, pc, be, 4);
        }
    }
    for (int r = 0; r < NREG; r++) {
        t.r[r].pinned = false;
        drop(&t, r);
    }
    return t.hits;
}
